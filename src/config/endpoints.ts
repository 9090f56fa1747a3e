/** One server to check. Credentials are split out of the URL so that no URL we print carries them. */
export interface EndpointSpec {
  /** Scheme, host, port and any path prefix, without credentials, query or a trailing /v1. */
  root: string;
  /** root + '/v1': what OpenAI clients call the base URL. */
  apiBase: string;
  /** Query string (with '?') to append to every request, e.g. a gateway's ?key=; may hold a secret. */
  query: string;
  /** From URL userinfo, sent as Basic auth when no api-key is given. */
  basicAuth?: string;
  /** Secrets found in the URL itself (password, token query values), to be masked. */
  secrets: string[];
  /** Models this endpoint must serve; empty means "use the global model list". */
  models: string[];
  host: string;
  port: number;
}

export type EndpointParse = { ok: true; endpoints: EndpointSpec[] } | { ok: false; message: string };

const TOKEN_QUERY_KEYS = /^(token|key|api[-_]?key|access[-_]?token|auth|password|secret|sig|signature)$/i;

export function parseEndpointLines(text: string): EndpointParse {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (lines.length === 0) return { ok: false, message: 'must be a URL such as http://127.0.0.1:8000' };
  const endpoints: EndpointSpec[] = [];
  for (const line of lines) {
    const eq = line.search(/\s=\s|\s=$|=\s/);
    const urlText = (eq === -1 ? line : line.slice(0, eq)).trim();
    const modelsText = eq === -1 ? '' : line.slice(eq).replace(/^\s*=\s*/, '');
    const parsed = parseBaseUrl(urlText);
    if (!parsed.ok) return parsed;
    const models = splitList(modelsText);
    endpoints.push({ ...parsed.endpoint, models });
  }
  return { ok: true, endpoints };
}

export function parseBaseUrl(
  text: string,
): { ok: true; endpoint: Omit<EndpointSpec, 'models'> } | { ok: false; message: string } {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : undefined;
  if (withScheme === undefined) {
    return {
      ok: false,
      message: /^[\w.-]+:\d+/.test(text)
        ? 'must start with http:// or https:// (for example http://' + text + ')'
        : 'must be an http:// or https:// URL such as http://127.0.0.1:8000',
    };
  }
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { ok: false, message: 'is not a valid URL; write it like http://127.0.0.1:8000' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, message: `must use http:// or https://, not ${url.protocol}//` };
  }
  if (url.hash) return { ok: false, message: 'must not contain a #fragment' };
  const secrets: string[] = [];
  let basicAuth: string | undefined;
  if (url.username || url.password) {
    const user = decodeUserinfo(url.username);
    const password = decodeUserinfo(url.password);
    if (password) secrets.push(password, url.password);
    if (user && !password) secrets.push(user, url.username);
    basicAuth = Buffer.from(`${user}:${password}`).toString('base64');
    secrets.push(basicAuth);
    url.username = '';
    url.password = '';
  }
  for (const [key, value] of url.searchParams) {
    if (TOKEN_QUERY_KEYS.test(key) && value) secrets.push(value, encodeURIComponent(value));
  }
  const query = url.search;
  url.search = '';
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  const root = `${url.protocol}//${url.host}${path}`;
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const endpoint: Omit<EndpointSpec, 'models'> = {
    root,
    apiBase: `${root}/v1`,
    query,
    secrets: [...new Set(secrets.filter((s) => s !== ''))],
    host: url.hostname,
    port,
  };
  if (basicAuth !== undefined) endpoint.basicAuth = basicAuth;
  return { ok: true, endpoint };
}

/** Userinfo as the user meant it; a stray "%" that is not an escape (a password like "50%off") stays as written. */
function decodeUserinfo(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A list as users write one in an input: items separated by commas or new lines. */
export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
