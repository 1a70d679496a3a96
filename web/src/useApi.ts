import { useCallback, useEffect, useState } from 'react';
import { api } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** GET a URL (null = not yet) and keep the answer; a newer URL wins over a slower older one. */
export function useApi<T>(url: string | null): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(url !== null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (url === null) return;
    let live = true;
    setLoading(true);
    setError(null);
    api<T>('GET', url)
      .then((d) => {
        if (live) setData(d);
      })
      .catch((e: unknown) => {
        if (live) {
          setError(e);
          setData(undefined);
        }
      })
      .finally(() => {
        if (live) setLoading(false);
      });
    return () => {
      live = false;
    };
  }, [url, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}
