import { DEFAULT_SLUG_REGEX } from '../api/schemas';

export const PUBLIC_SLUG = 'public';

export interface SlugRule {
  /** Source pattern as sent by the server (or the documented default). */
  source: string;
  /** Whole-string matcher (api.md D5: full match). */
  test: (slug: string) => boolean;
  /** True when the pattern came from the server. */
  fromServer: boolean;
}

function compile(pattern: string): RegExp | null {
  try {
    // Wrap so the whole string must match even if the server pattern is only start-anchored.
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return null;
  }
}

/** Compiles the server's slug regex; falls back to the documented default when missing or not valid in JS. */
export function makeSlugRule(serverPattern: string | undefined | null): SlugRule {
  const re = serverPattern ? compile(serverPattern) : null;
  if (re && serverPattern) {
    return { source: serverPattern, test: (s) => re.test(s), fromServer: true };
  }
  const def = compile(DEFAULT_SLUG_REGEX);
  if (!def) throw new Error('default slug regex must compile');
  return { source: DEFAULT_SLUG_REGEX, test: (s) => def.test(s), fromServer: false };
}

/** Random 12-hex-char slug (api.md §4.12). */
export function randomSlug(rng: (buf: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const bytes = rng(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
