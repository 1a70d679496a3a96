import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { ConfigProvider } from 'antd';
import zhCN from 'antd/es/locale/zh_CN';
import enUS from 'antd/es/locale/en_US';
import { useTranslation } from 'react-i18next';
import { theme } from './theme';
import { SessionProvider, homePathFor, useSession } from './session';
import { AppLayout } from './components/AppLayout';
import { Loading } from './components/Loading';

// Every page is its own chunk: the login route loads only what it needs, and heavy
// libraries (bpmn-js, echarts) load only with the pages that draw with them.
const LoginPage = lazy(() => import('./pages/LoginPage'));
const StaffSearchPage = lazy(() => import('./pages/StaffSearchPage'));
const PersonViewPage = lazy(() => import('./pages/PersonViewPage'));
const CitizenHomePage = lazy(() => import('./pages/CitizenHomePage'));
const KioskPage = lazy(() => import('./pages/KioskPage'));
const ServicesPage = lazy(() => import('./pages/ServicesPage'));
const WizardPage = lazy(() => import('./pages/WizardPage'));
const MyCasesPage = lazy(() => import('./pages/MyCasesPage'));
const CaseDetailPage = lazy(() => import('./pages/CaseDetailPage'));
const ContributionsPage = lazy(() => import('./pages/ContributionsPage'));
const DocumentsPage = lazy(() => import('./pages/DocumentsPage'));
const AdminItemsPage = lazy(() => import('./pages/AdminItemsPage'));
const AdminItemPage = lazy(() => import('./pages/AdminItemPage'));
const EmployerPage = lazy(() => import('./pages/EmployerPage'));
const BackOfficePage = lazy(() => import('./pages/BackOfficePage'));
const TaskPage = lazy(() => import('./pages/TaskPage'));
const SupervisionPage = lazy(() => import('./pages/SupervisionPage'));
const AdminParametersPage = lazy(() => import('./pages/AdminParametersPage'));
const AdminCalendarsPage = lazy(() => import('./pages/AdminCalendarsPage'));
const AdminServicePointsPage = lazy(() => import('./pages/AdminServicePointsPage'));
const AdminUsersPage = lazy(() => import('./pages/AdminUsersPage'));
const VerifyPage = lazy(() => import('./pages/VerifyPage'));
const NotFound = lazy(() => import('./pages/NotFoundPage'));
const NoAccess = lazy(() => import('./pages/NoAccessPage'));

type Kind = 'staff' | 'citizen' | 'any';

/** Signed in, of the right kind, and (for staff areas) holding one of the roles. */
function RequireSession({ kind, roles, children }: { kind: Kind; roles?: string[]; children: ReactNode }) {
  const { me } = useSession();
  const location = useLocation();
  if (me === undefined) return <Loading />;
  if (me === null) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  if (kind === 'citizen' && me.kind !== 'citizen') return <Navigate to={homePathFor(me)} replace />;
  if (kind === 'staff' && me.kind === 'citizen') return <Navigate to={homePathFor(me)} replace />;
  if (roles && !roles.some((r) => me.roles.includes(r))) return <NoAccess />;
  return <>{children}</>;
}

function Home() {
  const { me } = useSession();
  if (me === undefined) return <Loading />;
  return <Navigate to={me ? homePathFor(me) : '/login'} replace />;
}

const TELLER = ['teller', 'administrator'];
const ADMIN = ['administrator'];
const BACK = ['reviewer', 'approver', 'supervisor', 'teller'];

export function App() {
  const { i18n } = useTranslation();
  const page = (kind: Kind, el: ReactNode, roles?: string[]) => (
    <RequireSession kind={kind} roles={roles}>
      {el}
    </RequireSession>
  );
  return (
    <ConfigProvider locale={i18n.language === 'en' ? enUS : zhCN} theme={theme}>
      <SessionProvider>
          <AppLayout>
            <Suspense fallback={<Loading />}>
              <Routes>
                <Route path="/" element={<Home />} />
                <Route path="/login" element={<LoginPage />} />
                <Route path="/kiosk" element={<KioskPage />} />
                <Route path="/verify" element={<VerifyPage />} />
                {/* Portal: citizens */}
                <Route path="/me" element={page('citizen', <CitizenHomePage />)} />
                <Route path="/me/services" element={page('citizen', <ServicesPage />)} />
                <Route path="/me/apply/:code" element={page('citizen', <WizardPage />)} />
                <Route path="/me/cases" element={page('citizen', <MyCasesPage />)} />
                <Route path="/me/cases/:caseId" element={page('citizen', <CaseDetailPage />)} />
                <Route path="/me/contributions" element={page('citizen', <ContributionsPage />)} />
                <Route path="/me/documents" element={page('citizen', <DocumentsPage />)} />
                {/* Employer portal */}
                <Route path="/employer" element={page('any', <EmployerPage />, ['employer_agent'])} />
                {/* Universal teller workbench */}
                <Route path="/staff/search" element={page('staff', <StaffSearchPage />)} />
                <Route path="/staff/persons/:personId" element={page('staff', <PersonViewPage />, TELLER)} />
                <Route path="/staff/persons/:personId/apply/:code" element={page('staff', <WizardPage />, TELLER)} />
                <Route path="/staff/cases/:caseId" element={page('staff', <CaseDetailPage />)} />
                {/* Back office and supervision */}
                <Route path="/backoffice" element={page('staff', <BackOfficePage />, BACK)} />
                <Route path="/backoffice/cases/:caseId" element={page('staff', <TaskPage />, [...BACK, 'supervisor', 'auditor'])} />
                <Route path="/supervision" element={page('staff', <SupervisionPage />, ['supervisor', 'auditor', 'analyst'])} />
                {/* Administration */}
                <Route path="/admin/items" element={page('staff', <AdminItemsPage />, ADMIN)} />
                <Route path="/admin/items/:code" element={page('staff', <AdminItemPage />, ADMIN)} />
                <Route path="/admin/parameters" element={page('staff', <AdminParametersPage />, ADMIN)} />
                <Route path="/admin/calendars" element={page('staff', <AdminCalendarsPage />, ADMIN)} />
                <Route path="/admin/service-points" element={page('staff', <AdminServicePointsPage />, ADMIN)} />
                <Route path="/admin/users" element={page('staff', <AdminUsersPage />, ADMIN)} />
                <Route path="*" element={<NotFound />} />
              </Routes>
            </Suspense>
          </AppLayout>
      </SessionProvider>
    </ConfigProvider>
  );
}
