import { useState, type ReactNode } from 'react';
import { NavLink, useLocation, useNavigate } from 'react-router-dom';
import { Button, Flex, Grid, Layout, Typography } from 'antd';
import { LogoutOutlined, GlobalOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useSession } from '../session';
import { messageOf } from '../api';
import { isActive, navFor } from '../nav';
import { setLanguage } from '../i18n';

const { Header, Content, Footer } = Layout;

export function LanguageSwitch({ className = 'tb-header-button', size }: { className?: string; size?: 'large' }) {
  const { t, i18n } = useTranslation();
  const next = i18n.language === 'en' ? 'zh-CN' : 'en';
  return (
    <Button
      type="text"
      className={className}
      size={size}
      icon={<GlobalOutlined aria-hidden />}
      lang={next}
      aria-label={t('lang.switchLabel')}
      onClick={() => void setLanguage(next)}
      data-testid="lang-switch"
    >
      {t('lang.switchTo')}
    </Button>
  );
}

/** The areas this user's roles open, as plain links (keyboard and screen-reader friendly, no menu widget). */
function AreaNav() {
  const { t } = useTranslation();
  const { me } = useSession();
  const { pathname } = useLocation();
  if (!me) return null;
  const entries = navFor(me);
  if (entries.length <= 1) return null;
  return (
    <nav className="tb-nav" aria-label={t('nav.label')}>
      <ul>
        {entries.map((e) => {
          const active = isActive(e, pathname);
          return (
            <li key={e.path}>
              <NavLink to={e.path} end className={active ? 'tb-nav-link tb-nav-active' : 'tb-nav-link'} aria-current={active ? 'page' : undefined} data-testid={`nav-${e.label}`}>
                {t(`nav.${e.label}`)}
              </NavLink>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

export function AppLayout({ children }: { children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const { me, signOut } = useSession();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const screens = Grid.useBreakpoint();
  const [signOutError, setSignOutError] = useState<unknown>(null);
  const wide = screens.md ?? false;

  // The kiosk is its own full-screen shell.
  if (pathname === '/kiosk' || pathname.startsWith('/kiosk/')) return <>{children}</>;

  async function onSignOut() {
    try {
      await signOut();
      navigate('/login', { replace: true });
    } catch (e) {
      setSignOutError(e);
    }
  }

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <a className="tb-skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <Header className="tb-header tb-no-print">
        <Flex align="center" justify="space-between" gap={8} style={{ height: '100%', maxWidth: 1200, margin: '0 auto' }}>
          <Flex align="baseline" gap={10} style={{ minWidth: 0 }}>
            <a href="/" className="tb-brand" aria-label={t('app.documentTitle')}>
              {t('app.name')}
            </a>
            {wide && <span className="tb-subtitle">{t('app.subtitle')}</span>}
          </Flex>
          <Flex align="center" gap={wide ? 12 : 4} style={{ minWidth: 0 }}>
            <LanguageSwitch />
            {me && (
              <>
                <span className="tb-user" data-testid="current-user" title={t('header.signedInAs')}>
                  <span className="tb-user-name">{me.displayName}</span>
                  {wide && me.roles.length > 0 && (
                    <span className="tb-user-roles" aria-label={t('header.roles')}>
                      {me.roles.map((r) => t(`roles.${r}`, { defaultValue: r })).join('、')}
                    </span>
                  )}
                </span>
                <Button
                  type="text"
                  className="tb-header-button"
                  icon={<LogoutOutlined aria-hidden />}
                  onClick={() => void onSignOut()}
                  aria-label={t('header.signOut')}
                  data-testid="sign-out"
                >
                  {wide ? t('header.signOut') : null}
                </Button>
              </>
            )}
          </Flex>
        </Flex>
      </Header>
      <div className="tb-nav-bar tb-no-print">
        <AreaNav />
      </div>
      {signOutError ? (
        <div role="alert" className="tb-no-print" style={{ background: '#fff1f0', color: '#a8071a', padding: '8px 16px', textAlign: 'center' }}>
          {messageOf(signOutError, i18n.language)}
        </div>
      ) : null}
      <Content id="main" tabIndex={-1} style={{ padding: wide ? '24px 24px' : '12px 8px', outline: 'none' }}>
        <div style={{ maxWidth: 1200, margin: '0 auto' }}>{children}</div>
      </Content>
      <Footer className="tb-no-print" style={{ textAlign: 'center', padding: '16px 8px' }}>
        <Typography.Text type="secondary">{t('app.footer')}</Typography.Text>
      </Footer>
    </Layout>
  );
}
