import { describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '@/test/render';
import { ApiError } from '@/shared/api/http';
import type { Page } from '@/shared/api/admin/schemas';
import { AdminSection, AdminTable, Field, FilterForm, PagedAdminTable, RowAction } from './AdminTable';
import type { LoadState } from './useLoad';

const head = <th scope="col">Name</th>;
const rowOf = (name: string) => (
  <tr key={name}>
    <td>{name}</td>
  </tr>
);

function loadState(data: Page<string> | null, patch: Partial<LoadState<Page<string>>> = {}): LoadState<Page<string>> {
  return { data, error: null, loading: false, reload: () => undefined, ...patch };
}

describe('admin table widget', () => {
  it('a section is named by its heading; an action sits beside it', () => {
    renderApp(
      <AdminSection id="s-title" title="Users" action={<button type="button">Create user</button>}>
        <p>body</p>
      </AdminSection>,
    );
    const section = screen.getByRole('region', { name: 'Users' });
    expect(screen.getByRole('heading', { level: 2, name: 'Users' }).parentElement).toHaveClass('admin-toolbar');
    expect(section).toContainElement(screen.getByRole('button', { name: 'Create user' }));
    expect(section).toHaveTextContent('body');
  });

  it('a filter form applies and resets; a search form has one "Search" button', async () => {
    const user = userEvent.setup();
    const onApply = vi.fn();
    const onReset = vi.fn();
    const { unmount } = renderApp(
      <FilterForm onApply={onApply} onReset={onReset}>
        <Field id="f-q" label="Name contains" wide>
          <input id="f-q" />
        </Field>
      </FilterForm>,
    );
    const form = screen.getByRole('form', { name: 'Filters' });
    expect(screen.getByLabelText('Name contains').parentElement).toHaveClass('field', 'filters__wide');
    await user.type(screen.getByLabelText('Name contains'), 'x{Enter}');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    await user.click(screen.getByRole('button', { name: 'Reset' }));
    expect(onApply).toHaveBeenCalledTimes(2);
    expect(onReset).toHaveBeenCalledTimes(1);
    expect(form).toBeInTheDocument();
    unmount();

    renderApp(
      <FilterForm search onApply={onApply}>
        <Field id="s-q" label="Code">
          <input id="s-q" />
        </Field>
      </FilterForm>,
    );
    expect(screen.getByRole('search')).toBeInTheDocument();
    expect(screen.getByLabelText('Code').parentElement).toHaveClass('field');
    expect(screen.queryByRole('button', { name: 'Reset' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Search' }));
    expect(onApply).toHaveBeenCalledTimes(3);
  });

  it('row actions are named after their row', async () => {
    const user = userEvent.setup();
    const onClick = vi.fn();
    renderApp(<RowAction label="Delete" name="#42" danger onClick={onClick} />);
    const button = screen.getByRole('button', { name: 'Delete #42' });
    expect(button).toHaveClass('button--danger');
    await user.click(button);
    expect(onClick).toHaveBeenCalledOnce();
  });

  it('shows the notice, the error, the empty and loading states as told', () => {
    const { unmount } = renderApp(
      <AdminTable label="Rooms" head={head} busy error={new ApiError('http', 400, { error: 'x', code: 'invalid_filter' })} empty pending notice="Saved.">
        {null}
      </AdminTable>,
    );
    expect(screen.getByText('Saved.')).toHaveClass('notice--ok');
    expect(screen.getByRole('alert')).toHaveTextContent('A filter value is not valid.');
    expect(screen.getByRole('region', { name: /Rooms/ })).toBeInTheDocument();
    expect(screen.getByRole('table')).toHaveAttribute('aria-busy', 'true');
    expect(screen.getByText('Nothing found.')).toBeInTheDocument();
    expect(screen.getByText('Loading…')).toBeInTheDocument();
    unmount();
    renderApp(
      <AdminTable label="Rooms" head={head} busy={false} error={null} empty={false} pending={false}>
        {rowOf('a')}
      </AdminTable>,
    );
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByText('Nothing found.')).toBeNull();
    expect(screen.getByRole('row', { name: 'a' })).toBeInTheDocument();
  });
});

describe('paged admin table', () => {
  it('lays out one page and turns pages', async () => {
    const user = userEvent.setup();
    const onPage = vi.fn();
    renderApp(<PagedAdminTable label="Rooms" head={head} list={loadState({ results: ['a', 'b'], count: 120, page: 2, page_size: 50 })} page={2} onPage={onPage} row={rowOf} />);
    expect(screen.getAllByRole('row')).toHaveLength(3);
    expect(screen.getByText(/Page 2 of 3/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(onPage).toHaveBeenCalledWith(3);
  });

  it('says "loading" before the first page and "nothing found" for an empty one', () => {
    const { unmount } = renderApp(<PagedAdminTable label="Rooms" head={head} list={loadState(null, { loading: true })} page={1} onPage={() => undefined} row={rowOf} />);
    expect(screen.getByText('Loading…')).toBeInTheDocument();
    expect(screen.queryByRole('navigation')).toBeNull();
    unmount();
    renderApp(<PagedAdminTable label="Rooms" head={head} list={loadState({ results: [], count: 0, page: 1, page_size: 50 })} page={1} onPage={() => undefined} row={rowOf} />);
    expect(screen.queryByText('Loading…')).toBeNull();
    expect(screen.getByText('Nothing found.')).toBeInTheDocument();
  });
});
