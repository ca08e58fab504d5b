import { useCallback, useState } from 'react';
import { useErrorText } from './format';

export interface ActionState {
  busy: boolean;
  /** The last failure, in the viewer's language, for the dialog that asked. */
  error: string | null;
  clearError: () => void;
  /** Runs action; its result (a notice) goes to onDone, a failure to `error`. */
  run: (action: () => Promise<string>) => Promise<void>;
}

/** One confirmed admin write at a time (a delete, a bulk delete), as the screens' dialogs run them. */
export function useAction(onDone: (notice: string) => void): ActionState {
  const describe = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const clearError = useCallback(() => setError(null), []);
  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    try {
      onDone(await action());
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, clearError, run };
}
