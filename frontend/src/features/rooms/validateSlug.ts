import { PUBLIC_SLUG, type SlugRule } from '@/shared/lib/slug';

export type SlugValidity = 'empty' | 'valid' | 'invalid';

export function validateSlug(value: string, rule: SlugRule): SlugValidity {
  if (value === '') return 'empty';
  return value === PUBLIC_SLUG || rule.test(value) ? 'valid' : 'invalid';
}

