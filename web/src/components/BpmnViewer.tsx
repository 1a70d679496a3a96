import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import Viewer from 'bpmn-js/lib/NavigatedViewer';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';

/**
 * An item's process drawn from its BPMN export. bpmn-js is large: this module is only ever
 * imported lazily (React.lazy), so the portal's routes never load it.
 */
export default function BpmnViewer({ xml }: { xml: string }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!ref.current) return;
    const viewer = new Viewer({ container: ref.current });
    let live = true;
    viewer
      .importXML(xml)
      .then(() => {
        if (live) (viewer.get('canvas') as { zoom(v: string): void }).zoom('fit-viewport');
      })
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
      viewer.destroy();
    };
  }, [xml]);
  return (
    <figure style={{ margin: 0 }}>
      <div ref={ref} style={{ height: 420, border: '1px solid #d9d9d9', borderRadius: 8, background: '#fff' }} data-testid="bpmn-canvas" role="img" aria-label={t('admin.bpmnAlt')} />
      {error && (
        <p role="alert" style={{ color: '#a8071a' }}>
          {error}
        </p>
      )}
      <figcaption className="tb-cite">{t('admin.bpmnCaption')}</figcaption>
    </figure>
  );
}
