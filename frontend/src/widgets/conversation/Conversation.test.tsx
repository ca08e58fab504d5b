import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { Conversation } from './Conversation';
import { FakeSocket, fakeSocketFactory, renderApp, stubFetch, alice } from '@/test/render';
import type { Message } from '@/shared/api/schemas';

afterEach(() => {
  FakeSocket.reset();
  vi.unstubAllGlobals();
});

const msg = (id: number, username = 'bob'): Message => ({
  id,
  username,
  content: `message ${id}`,
  profilePic: null,
  createdAt: new Date(Date.UTC(2024, 4, 1, 10, id)).toISOString(),
});

function setupServer(pages: { initial: Message[]; after: Record<number, Message[]> }) {
  const stub = stubFetch({
    '/api/chat/rooms/public/messages/': (url) => {
      const q = new URL(url, 'http://x').searchParams;
      const after = q.get('after');
      if (after !== null) return { body: { messages: pages.after[Number(after)] ?? [] } };
      return { body: { messages: pages.initial } };
    },
  });
  vi.stubGlobal('fetch', stub.fn);
  return stub;
}

const texts = () => screen.getAllByTestId('message').map((el) => el.querySelector('.message__text')?.textContent);

describe('Conversation', () => {
  it('loads history, shows live frames, confirms an optimistic send by client_id', async () => {
    const server = setupServer({ initial: [msg(1), msg(2)], after: {} });
    renderApp(<Conversation slug="public" socketFactory={fakeSocketFactory} timeZone="UTC" />, { user: alice });
    await waitFor(() => expect(texts()).toEqual(['message 1', 'message 2']));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    expect(FakeSocket.last().url).toMatch(/^ws:\/\/[^/]+\/ws\/chat\/public\/$/);
    act(() => FakeSocket.last().open());
    await waitFor(() => expect(server.calls.some((c) => c.url.includes('after=2'))).toBe(true));

    act(() => FakeSocket.last().receive({ message: 'message 3', username: 'bob', profile_pic: null, room: 'public', id: 3, createdAt: msg(3).createdAt }));
    expect(texts()).toEqual(['message 1', 'message 2', 'message 3']);

    fireEvent.change(screen.getByRole('textbox', { name: 'Message' }), { target: { value: '  hi there  ' } });
    fireEvent.keyDown(screen.getByRole('textbox', { name: 'Message' }), { key: 'Enter' });
    const sent = JSON.parse(FakeSocket.last().sent.at(-1) ?? '{}') as { message: string; client_id: string };
    expect(sent.message).toBe('hi there');
    expect(sent.client_id).toBeTruthy();
    const pending = screen.getAllByTestId('message').at(-1);
    expect(pending).toHaveAttribute('data-status', 'pending');
    expect(pending).toHaveTextContent('Sending…');

    act(() =>
      FakeSocket.last().receive({ message: 'hi there', username: 'alice', profile_pic: null, room: 'public', id: 4, createdAt: msg(4).createdAt, client_id: sent.client_id }),
    );
    const all = screen.getAllByTestId('message');
    expect(all).toHaveLength(4);
    expect(all.at(-1)).toHaveAttribute('data-status', 'sent');
    expect(all.at(-1)).toHaveAttribute('data-id', '4');
  });

  it('shows "reconnecting…" after a drop and fetches exactly what was missed (after=<last id>), without duplicates', async () => {
    const server = setupServer({ initial: [msg(1), msg(2)], after: { 3: [msg(4), msg(5)] } });
    renderApp(<Conversation slug="public" socketFactory={fakeSocketFactory} timeZone="UTC" />, { user: alice });
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => FakeSocket.last().open());
    act(() => FakeSocket.last().receive({ message: 'message 3', username: 'bob', profile_pic: null, id: 3, createdAt: msg(3).createdAt }));
    act(() => FakeSocket.last().drop(1006));
    expect(screen.getByTestId('reconnecting')).toHaveTextContent('Connection lost. Reconnecting…');
    // a live frame that races the resync must not duplicate
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(2), { timeout: 3000 });
    act(() => FakeSocket.last().open());
    expect(screen.queryByTestId('reconnecting')).not.toBeInTheDocument();
    act(() => FakeSocket.last().receive({ message: 'message 5', username: 'bob', profile_pic: null, id: 5, createdAt: msg(5).createdAt }));
    await waitFor(() => expect(texts()).toEqual(['message 1', 'message 2', 'message 3', 'message 4', 'message 5']));
    expect(server.calls.filter((c) => c.url.includes('after=3'))).toHaveLength(1);
  });

  it('rate_limited frame: the message fails, a countdown shows, retry is disabled until it ends', async () => {
    setupServer({ initial: [], after: {} });
    renderApp(<Conversation slug="public" socketFactory={fakeSocketFactory} timeZone="UTC" />, { user: alice });
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => FakeSocket.last().open());
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'one' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    act(() => FakeSocket.last().receive({ error: 'rate_limited', retry_after: 4 }));
    expect(screen.getAllByTestId('message').at(-1)).toHaveAttribute('data-status', 'failed');
    expect(screen.getByText(/You can send again in [34] s/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeDisabled();
    fireEvent.change(box, { target: { value: 'draft stays' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect((box as HTMLTextAreaElement).value).toBe('draft stays');
  });

  it('guests read but get a sign-in prompt instead of the composer', async () => {
    setupServer({ initial: [msg(1)], after: {} });
    renderApp(<Conversation slug="public" socketFactory={fakeSocketFactory} timeZone="UTC" />, { user: null });
    await waitFor(() => expect(texts()).toEqual(['message 1']));
    expect(screen.getByTestId('sign-in-prompt')).toHaveTextContent('Sign in to write messages.');
    expect(screen.queryByRole('textbox', { name: 'Message' })).not.toBeInTheDocument();
  });

  it('close code 4401 refetches the session and reconnects', async () => {
    setupServer({ initial: [], after: {} });
    const refresh = vi.fn(() => Promise.resolve(null));
    renderApp(<Conversation slug="public" socketFactory={fakeSocketFactory} timeZone="UTC" />, { user: alice, session: { refresh } });
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => FakeSocket.last().open());
    act(() => FakeSocket.last().drop(4401));
    await waitFor(() => expect(refresh).toHaveBeenCalledTimes(1));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(2));
  });

  it('message_updated and message_deleted frames update the list', async () => {
    setupServer({ initial: [msg(1), msg(2)], after: {} });
    renderApp(<Conversation slug="public" socketFactory={fakeSocketFactory} timeZone="UTC" />, { user: alice });
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => FakeSocket.last().open());
    act(() => FakeSocket.last().receive({ type: 'message_updated', id: 1, message: 'edited text', username: 'bob' }));
    act(() => FakeSocket.last().receive({ type: 'message_deleted', id: 2 }));
    await waitFor(() => expect(texts()).toEqual(['edited text']));
  });
});
