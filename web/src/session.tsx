import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, type Me } from './api';

interface SessionState {
  /** undefined while loading, null when signed out. */
  me: Me | null | undefined;
  refresh(): Promise<Me | null>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

/** Where a user lands after signing in: the first area their roles open. */
export function homePathFor(me: Me): string {
  if (me.kind === 'citizen') return '/me';
  const has = (...roles: string[]) => roles.some((r) => me.roles.includes(r));
  if (has('employer_agent') && !has('teller', 'administrator')) return '/employer';
  if (has('teller', 'administrator')) return '/staff/search';
  if (has('reviewer', 'approver')) return '/backoffice';
  if (has('supervisor', 'auditor', 'analyst')) return '/supervision';
  return '/staff/search';
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  const refresh = useCallback(async () => {
    try {
      const m = await api<Me>('GET', '/api/me');
      setMe(m);
      return m;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setMe(null);
        return null;
      }
      setMe(null);
      throw e;
    }
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api<void>('POST', '/api/auth/logout');
    } catch (e) {
      // An already expired session is signed out anyway.
      if (!(e instanceof ApiError && e.status === 401)) throw e;
    }
    setMe(null);
  }, []);

  useEffect(() => {
    refresh().catch(() => undefined);
  }, [refresh]);

  const value = useMemo(() => ({ me, refresh, signOut }), [me, refresh, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
