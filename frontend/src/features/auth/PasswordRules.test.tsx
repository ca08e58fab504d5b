import { describe, expect, it } from 'vitest';
import { fireEvent, screen } from '@testing-library/react';
import { RegisterForm } from './RegisterForm';
import { checkRule, minLengthOf, ruleMessage } from './passwordRules';
import { renderApp } from '@/test/render';

const relaxed = ['Ваш пароль должен содержать как минимум 6 символов.'];
const strict = [
  'Пароль не должен быть слишком похож на другую вашу личную информацию.',
  'Ваш пароль должен содержать как минимум 8 символов.',
  'Пароль не должен быть слишком простым и распространенным.',
  'Пароль не может состоять только из цифр.',
];

describe('password rules', () => {
  it('extracts the minimum length from Russian and English texts only', () => {
    expect(minLengthOf(relaxed[0] ?? '')).toBe(6);
    expect(minLengthOf('Your password must contain at least 12 characters.')).toBe(12);
    expect(minLengthOf(strict[3] ?? '')).toBeNull();
  });

  it('checks length client-side; leaves the rest to the server', () => {
    expect(checkRule(relaxed[0] ?? '', '12345')).toBe('fail');
    expect(checkRule(relaxed[0] ?? '', '123456')).toBe('ok');
    expect(checkRule(strict[2] ?? '', 'password')).toBe('server');
  });

  it('shows live feedback while typing the password', () => {
    renderApp(<RegisterForm onDone={() => undefined} onCreatedNotLoggedIn={() => undefined} rules={strict} />);
    const items = () => screen.getAllByRole('listitem');
    expect(items()).toHaveLength(4);
    expect(items()[1]).toHaveAttribute('data-state', 'fail');
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'abcdefgh' } });
    expect(items()[1]).toHaveAttribute('data-state', 'ok');
    expect(items()[0]).toHaveAttribute('data-state', 'server');
    expect(screen.getByText('Checked by the server when you submit.')).toBeInTheDocument();
  });

  it("shows the server's Russian rule texts in the page's language", () => {
    const { unmount } = renderApp(<RegisterForm onDone={() => undefined} onCreatedNotLoggedIn={() => undefined} rules={[...strict, 'Новое правило.']} />);
    const texts = () => screen.getAllByRole('listitem').map((li) => li.textContent);
    expect(texts()[0]).toContain("Your password can't be too similar to your other personal information.");
    expect(texts()[1]).toContain('Your password must contain at least 8 characters.');
    expect(texts()[2]).toContain("Your password can't be a commonly used password.");
    expect(texts()[3]).toContain("Your password can't be entirely numeric.");
    expect(texts()[4]).toContain('Новое правило.'); // unknown to this client: as sent
    unmount();
    renderApp(<RegisterForm onDone={() => undefined} onCreatedNotLoggedIn={() => undefined} rules={strict} />, { lang: 'ru' });
    expect(texts().map((t) => strict.some((s) => t.includes(s)))).toEqual([true, true, true, true]);
  });

  it('maps only the exact server texts', () => {
    expect(ruleMessage(relaxed[0] ?? '')).toEqual({ key: 'auth.rules.minLength', params: { n: 6 } });
    expect(ruleMessage('Ваш пароль должен содержать как минимум 8 символов!')).toBeNull();
    expect(ruleMessage('Your password must contain at least 8 characters.')).toBeNull();
  });

  it('flags mismatching passwords before submit', () => {
    renderApp(<RegisterForm onDone={() => undefined} onCreatedNotLoggedIn={() => undefined} rules={relaxed} />);
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'abcdef' } });
    fireEvent.change(screen.getByLabelText('Repeat password'), { target: { value: 'abcdeg' } });
    expect(screen.getByText('Passwords do not match.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Create account' })).toBeDisabled();
  });
});
