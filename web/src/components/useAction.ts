import { useCallback, useState } from 'react';

/**
 * One user action that calls the server: busy while it runs, its error kept to show. `onError`
 * sees the error too (e.g. to put a problem's field errors on a form).
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (action: () => Promise<void>, onError?: (e: unknown) => void) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e);
      onError?.(e);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
