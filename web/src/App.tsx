import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/es/locale/zh_CN';
import enUS from 'antd/es/locale/en_US';
import { useTranslation } from 'react-i18next';
import { theme } from './theme';
import { SessionProvider, homePathFor, useSession } from './session';
import { AppLayout } from './components/AppLayout';
import { Loading } from './components/Loading';

// Every page is its own chunk: the login route loads only what it needs.
const LoginPage = lazy(() => import('./pages/LoginPage'));
const StaffSearchPage = lazy(() => import('./pages/StaffSearchPage'));
const CitizenHomePage = lazy(() => import('./pages/CitizenHomePage'));
const NotFound = lazy(() => import('./pages/NotFoundPage'));

function RequireSession({ kind, children }: { kind: 'staff' | 'citizen'; children: ReactNode }) {
  const { me } = useSession();
  const location = useLocation();
  if (me === undefined) return <Loading />;
  if (me === null) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  if (kind === 'citizen' ? me.kind !== 'citizen' : me.kind === 'citizen') return <Navigate to={homePathFor(me)} replace />;
  return <>{children}</>;
}

function Home() {
  const { me } = useSession();
  if (me === undefined) return <Loading />;
  return <Navigate to={me ? homePathFor(me) : '/login'} replace />;
}

export function App() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider locale={i18n.language === 'en' ? enUS : zhCN} theme={theme}>
      <AntApp>
        <SessionProvider>
          <AppLayout>
            <Suspense fallback={<Loading />}>
              <Routes>
                <Route path="/" element={<Home />} />
                <Route path="/login" element={<LoginPage />} />
                <Route
                  path="/staff/search"
                  element={
                    <RequireSession kind="staff">
                      <StaffSearchPage />
                    </RequireSession>
                  }
                />
                <Route
                  path="/me"
                  element={
                    <RequireSession kind="citizen">
                      <CitizenHomePage />
                    </RequireSession>
                  }
                />
                <Route path="*" element={<NotFound />} />
              </Routes>
            </Suspense>
          </AppLayout>
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}
