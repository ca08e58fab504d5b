import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { makeSlugRule, randomSlug } from './slug';
import { validateSlug } from '@/features/rooms/validateSlug';
import { JoinRoomForm } from '@/features/rooms/RoomTools';
import { renderApp, alice } from '@/test/render';

describe('slug rule', () => {
  it('uses the documented default when the server sends none', () => {
    const rule = makeSlugRule(undefined);
    expect(rule.fromServer).toBe(false);
    expect(rule.test('abc')).toBe(true);
    expect(rule.test('ab')).toBe(false);
    expect(rule.test('a'.repeat(51))).toBe(false);
    expect(rule.test('комната')).toBe(false);
    expect(rule.test('abc\n')).toBe(false); // D5: full match only
  });

  it('uses the server regex when present (full match even if only start-anchored)', () => {
    const rule = makeSlugRule('^[a-z]{2,4}');
    expect(rule.fromServer).toBe(true);
    expect(rule.test('ab')).toBe(true);
    expect(rule.test('abcde')).toBe(false);
    expect(rule.test('AB')).toBe(false);
  });

  it('falls back to the default for a pattern JS cannot compile', () => {
    const rule = makeSlugRule('[[:alpha:');
    expect(rule.fromServer).toBe(false);
    expect(rule.test('abc')).toBe(true);
  });

  it('public is always valid; empty is neither', () => {
    const rule = makeSlugRule('^x{5}$');
    expect(validateSlug('public', rule)).toBe('valid');
    expect(validateSlug('', rule)).toBe('empty');
    expect(validateSlug('abc', rule)).toBe('invalid');
    expect(validateSlug('xxxxx', rule)).toBe('valid');
  });

  it('random slugs are 12 hex chars', () => {
    expect(randomSlug()).toMatch(/^[0-9a-f]{12}$/);
    expect(randomSlug((b) => b.fill(255))).toBe('ffffffffffff');
  });
});

describe('JoinRoomForm live validation', () => {
  it('validates against the server regex as the user types', async () => {
    const user = userEvent.setup();
    renderApp(<JoinRoomForm />, { user: alice, config: { slugRule: makeSlugRule('^[0-9]{4}$') } });
    const input = screen.getByLabelText('Room code');
    const button = screen.getByRole('button', { name: 'Join' });
    await user.type(input, 'abcd');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(button).toBeDisabled();
    expect(screen.getByTestId('slug-hint')).toHaveTextContent('^[0-9]{4}$');
    await user.clear(input);
    await user.type(input, '1234');
    expect(input).toHaveAttribute('aria-invalid', 'false');
    expect(button).toBeEnabled();
    expect(screen.getByTestId('slug-hint')).toHaveTextContent('Looks good.');
  });
});
