/** proxy-from-env ships no types: its one export, as its README documents it. */
declare module "proxy-from-env" {
  /** The proxy URL for `url` from HTTP(S)_PROXY / ALL_PROXY / NO_PROXY, or "" to connect directly. */
  export function getProxyForUrl(url: string | URL): string;
}
