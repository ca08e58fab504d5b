import { useEffect, useState } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { isMessageKey } from '@/shared/i18n/messages';
import { listAudit } from '@/shared/api/admin/endpoints';
import { AUDIT_ACTIONS, AUDIT_OBJECT_TYPES, type AuditEntry } from '@/shared/api/admin/schemas';
import { formatStamp, localZoneName } from './format';
import { auditFiltersFrom, emptyAuditDraft, type AuditDraft } from './filters';
import { AdminSection, AdminTable, Field, FilterForm } from './AdminTable';

export const AUDIT_PAGE = 50;
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

export function AuditLog() {
  const { t, locale } = useI18n();
  const [draft, setDraft] = useState<AuditDraft>(emptyAuditDraft);
  const [applied, setApplied] = useState<AuditDraft>(emptyAuditDraft);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [more, setMore] = useState<{ before: string } | null>(null);

  // First page whenever the filters change; further pages via `more`.
  useEffect(() => {
    const ctrl = new AbortController();
    const before = more?.before ?? null;
    setLoading(true);
    setError(null);
    listAudit({ ...auditFiltersFrom(applied), before, limit: AUDIT_PAGE }, ctrl.signal).then(
      (page) => {
        if (ctrl.signal.aborted) return;
        setEntries((prev) => (before === null ? page.results : [...prev, ...page.results]));
        setNext(page.nextBefore);
        setLoading(false);
      },
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [applied, more]);

  const set = <K extends keyof AuditDraft>(k: K, v: AuditDraft[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const onApply = () => {
    setMore(null);
    setApplied({ ...draft });
  };
  const onReset = () => {
    setDraft(emptyAuditDraft);
    setMore(null);
    setApplied({ ...emptyAuditDraft });
  };

  const label = (prefix: 'admin.audit.action.' | 'admin.audit.type.', v: string) => {
    const key = `${prefix}${v}`;
    return isMessageKey(key) ? t(key) : v;
  };
  const value = (v: unknown): string => {
    if (v === null || v === undefined || v === '') return t('admin.none');
    if (typeof v === 'boolean') return v ? t('admin.yes') : t('admin.no');
    if (typeof v === 'string') return ISO_RE.test(v) ? formatStamp(v, locale) || v : v;
    if (typeof v === 'number') return String(v);
    return JSON.stringify(v);
  };

  return (
    <AdminSection id="admin-audit-title" title={t('admin.tab.audit')}>
      <FilterForm onApply={onApply} onReset={onReset}>
        <Field id="audit-actor" label={t('admin.audit.actor')}>
          <input id="audit-actor" value={draft.actor} onChange={(e) => set('actor', e.target.value)} autoComplete="off" />
        </Field>
        <Field id="audit-type" label={t('admin.audit.objectType')}>
          <select id="audit-type" value={draft.objectType} onChange={(e) => set('objectType', e.target.value)}>
            <option value="">{t('admin.any')}</option>
            {AUDIT_OBJECT_TYPES.map((v) => (
              <option key={v} value={v}>
                {label('admin.audit.type.', v)}
              </option>
            ))}
          </select>
        </Field>
        <Field id="audit-action" label={t('admin.audit.action')}>
          <select id="audit-action" value={draft.action} onChange={(e) => set('action', e.target.value)}>
            <option value="">{t('admin.any')}</option>
            {AUDIT_ACTIONS.map((v) => (
              <option key={v} value={v}>
                {label('admin.audit.action.', v)}
              </option>
            ))}
          </select>
        </Field>
        <Field id="audit-since" label={t('admin.messages.since')}>
          <input id="audit-since" type="datetime-local" step={1} value={draft.since} onChange={(e) => set('since', e.target.value)} />
        </Field>
        <Field id="audit-until" label={t('admin.messages.until')}>
          <input id="audit-until" type="datetime-local" step={1} value={draft.until} onChange={(e) => set('until', e.target.value)} />
        </Field>
      </FilterForm>
      <p className="muted small">{t('admin.zone', { zone: localZoneName() })}</p>
      <AdminTable
        label={t('admin.tab.audit')}
        busy={loading}
        error={error}
        empty={!loading && entries.length === 0 && error === null}
        pending={loading}
        head={
          <>
            <th scope="col">{t('admin.audit.at')}</th>
            <th scope="col">{t('admin.audit.actor')}</th>
            <th scope="col">{t('admin.audit.action')}</th>
            <th scope="col">{t('admin.audit.object')}</th>
            <th scope="col">{t('admin.audit.changes')}</th>
          </>
        }
        footer={
          <div className="pagination">
            {next !== null ? (
              <button type="button" className="button" disabled={loading} onClick={() => setMore({ before: next })}>
                {t('admin.audit.loadMore')}
              </button>
            ) : (
              entries.length > 0 && <span className="muted">{t('admin.audit.end')}</span>
            )}
          </div>
        }
      >
        {entries.map((a) => (
          <tr key={`${a.object_type}-${String(a.id)}-${a.at}`} data-testid="audit-row">
            <td className="nowrap">
              <time dateTime={a.at}>{formatStamp(a.at, locale)}</time>
            </td>
            <td>{a.actor ?? t('admin.none')}</td>
            <td>{label('admin.audit.action.', a.action)}</td>
            <td>
              {label('admin.audit.type.', a.object_type)}
              {a.object_id !== null && ` #${String(a.object_id)}`}
              {a.object_label && <span className="muted"> “{a.object_label}”</span>}
            </td>
            <td>
              {Object.keys(a.changes).length > 0 && (
                <ul className="changes">
                  {Object.entries(a.changes).map(([field, [before, after]]) => (
                    <li key={field}>
                      <code>{field}</code>: <span className="changes__before">{value(before)}</span> → <span className="changes__after">{value(after)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </AdminTable>
    </AdminSection>
  );
}
