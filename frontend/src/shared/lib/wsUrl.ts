/** Builds a same-origin WebSocket URL from the page location (never a hard-coded port). */
export function buildWsUrl(path: string, loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${path.startsWith('/') ? path : `/${path}`}`;
}
