/**
 * Forward-proxy support for everything altr-mcp sends over the network: ALTR API calls and
 * presigned downloads. The standard variables decide, read from the PROCESS environment (never
 * from ./.env, so a file in the working directory cannot route ALTR credentials elsewhere):
 * HTTPS_PROXY / HTTP_PROXY (and ALL_PROXY; lower-case names too) name the proxy for https:// /
 * http:// URLs, NO_PROXY lists hosts (`example.com`, `.example.com`, `*.example.com`, `host:port`,
 * `*` for all) that are reached directly. One decision function (proxy-from-env, as axios uses)
 * serves both paths, so they cannot disagree. Loopback addresses are NOT exempt by default:
 * list them in NO_PROXY (e.g. `NO_PROXY=localhost,127.0.0.1`) to reach them directly.
 *
 * - ALTR calls: through undici's ProxyAgent with undici's OWN fetch (the npm package's fetch and
 *   dispatcher are one implementation; Node's bundled fetch is another undici version), loaded
 *   only when a proxy applies. Direct calls keep Node's fetch.
 * - Presigned downloads (node:https): an https-proxy-agent CONNECT tunnel. The download's
 *   address guard still runs: the object store's name is resolved here and refused when it is not
 *   a public address, before the proxy is asked to connect (the proxy resolves the name again
 *   itself; an egress proxy should apply its own policy too).
 *
 * Credentials in a proxy URL (http://user:pass@proxy:3128) are sent as Proxy-Authorization and
 * never logged: `describeProxy` is the only form of a proxy URL that reaches a log or message.
 */
import type { Agent, ClientRequest } from "node:http";
import { isIP, type LookupFunction } from "node:net";
import { HttpsProxyAgent, type HttpsProxyAgentOptions } from "https-proxy-agent";
import { getProxyForUrl } from "proxy-from-env";
import type { Dispatcher } from "undici";

/** The proxy for a URL, or undefined when it is reached directly (no proxy, or NO_PROXY). */
export function proxyFor(url: string | URL): URL | undefined {
  const proxy = getProxyForUrl(typeof url === "string" ? url : url.href);
  if (!proxy) return undefined;
  try {
    return new URL(proxy);
  } catch {
    throw new ProxyConfigError(`the proxy for ${new URL(url).protocol.replace(/:$/, "")} URLs is not a valid URL`);
  }
}

export class ProxyConfigError extends Error {
  override name = "ProxyConfigError";
}

/** A proxy URL fit for a log line: scheme, host and port; never user or password. */
export function describeProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}${proxy.username || proxy.password ? " (with credentials)" : ""}`;
}

/**
 * The proxy URL without user and password, and those as a Proxy-Authorization value: agents hold
 * only the bare URL (debug output of theirs may print it), the credentials travel as the header.
 */
function splitCredentials(proxy: URL): { bare: URL; authorization?: string } {
  const bare = new URL(proxy.href);
  bare.username = "";
  bare.password = "";
  if (!proxy.username && !proxy.password) return { bare };
  const pair = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { bare, authorization: `Basic ${Buffer.from(pair).toString("base64")}` };
}

// ---------------------------------------------------------------------------------------------
// ALTR calls (fetch)

type UndiciModule = typeof import("undici");
let undici: Promise<UndiciModule> | undefined;
const dispatchers = new Map<string, Dispatcher>();

/** undici is CommonJS: the bundle (esbuild) gives it as `default`, Node's ESM loader also by name. */
async function loadUndici(): Promise<UndiciModule> {
  const loaded: UndiciModule & { default?: UndiciModule } = await import("undici");
  return loaded.default ?? loaded;
}

function dispatcherFor(mod: UndiciModule, proxy: URL): Dispatcher {
  let d = dispatchers.get(proxy.href);
  if (!d) {
    const { bare, authorization } = splitCredentials(proxy);
    d = new mod.ProxyAgent({ uri: bare.href, ...(authorization ? { token: authorization } : {}) });
    dispatchers.set(proxy.href, d);
  }
  return d;
}

let loaded: UndiciModule | undefined;
let direct: Dispatcher | undefined;

/**
 * undici's request() and the dispatcher for `url`: its ProxyAgent when a proxy applies, else one
 * keep-alive Agent for the process. ALTR calls go this way (altr/http.ts): request() builds no
 * WHATWG Request, Response or stream per call, which fetch() did.
 */
export async function undiciFor(url: string): Promise<{ request: UndiciModule["request"]; dispatcher: Dispatcher }> {
  const proxy = proxyFor(url);
  const mod = (loaded ??= await (undici ??= loadUndici()));
  return { request: mod.request, dispatcher: proxy ? dispatcherFor(mod, proxy) : (direct ??= new mod.Agent()) };
}

/**
 * Loads undici ahead of the first ALTR call (about 50 ms of CPU once); never throws: a failed
 * load fails that call instead, with its error.
 */
export function preloadUndici(): Promise<void> {
  return (undici ??= loadUndici()).then(
    (mod) => {
      loaded = mod;
    },
    () => undefined,
  );
}

/**
 * `fetch` that honours the proxy variables: Node's own fetch when the URL is reached directly,
 * undici's fetch through its ProxyAgent when a proxy applies.
 */
export const proxyAwareFetch: typeof globalThis.fetch = async (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const proxy = proxyFor(url);
  if (!proxy) return globalThis.fetch(input, init);
  const mod = await (undici ??= loadUndici());
  const dispatcher = dispatcherFor(mod, proxy);
  // The same request, on undici's fetch: Headers, body bytes and AbortSignal are web standard
  // objects both implementations accept; the Response is a web-standard Response as well.
  const res = await mod.fetch(url, { ...(init as Parameters<UndiciModule["fetch"]>[1]), dispatcher });
  return res as unknown as Response;
};

// ---------------------------------------------------------------------------------------------
// Presigned downloads (node:https)

type ConnectOptions = Parameters<HttpsProxyAgent<string>["connect"]>[1] & { lookup?: LookupFunction };

/** A CONNECT tunnel through the proxy that first applies the request's own address guard. */
class GuardedProxyAgent extends HttpsProxyAgent<string> {
  override async connect(req: ClientRequest, opts: ConnectOptions) {
    const host = opts.host ?? "";
    const lookup = opts.lookup;
    if (lookup && host && isIP(host.replace(/^\[|\]$/g, "")) === 0) {
      await new Promise<void>((resolve, reject) => lookup(host, { all: true }, (err) => (err ? reject(err) : resolve())));
    }
    return super.connect(req, opts);
  }
}

/**
 * The node:http(s) agent for one presigned download: `false` (a fresh direct connection, guarded
 * by the request's `lookup`) when no proxy applies, else a guarded CONNECT tunnel.
 */
export function presignedAgent(url: URL): Agent | false {
  const proxy = proxyFor(url);
  if (!proxy) return false;
  // The agent is given the proxy without its user and password (its debug output prints the
  // URL when DEBUG names it); the credentials travel only as the CONNECT's Proxy-Authorization.
  const { bare, authorization } = splitCredentials(proxy);
  const options: HttpsProxyAgentOptions<string> = { keepAlive: false, ...(authorization ? { headers: { "Proxy-Authorization": authorization } } : {}) };
  return new GuardedProxyAgent(bare, options);
}
