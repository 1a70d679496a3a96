import { useState, type ReactNode } from 'react';
import { Button, Form, Modal } from 'antd';
import { ErrorBox } from './ErrorBox';
import { useAction } from './useAction';

/**
 * A dialog around one form that asks the server for one thing: busy and error of its own, and
 * one idempotency key per opening, so a double click or a retry after a lost answer acts once.
 * The form is cleared once the dialog has closed, not when it opens: what is typed while the
 * dialog animates in stays. Test ids: `<testId>-submit`, `<testId>-error`.
 */
export function FormDialog<V extends object>({
  open,
  title,
  name,
  testId,
  okText,
  cancelText,
  danger,
  initialValues,
  intro,
  onClose,
  onSubmit,
  children,
}: {
  open: boolean;
  title: ReactNode;
  name: string;
  testId: string;
  okText: ReactNode;
  cancelText: ReactNode;
  danger?: boolean;
  initialValues?: Partial<V>;
  intro?: ReactNode;
  onClose(): void;
  onSubmit(values: V, idempotencyKey: string): Promise<void>;
  children: ReactNode;
}) {
  const [form] = Form.useForm<V>();
  const { busy, error, setError, run } = useAction();
  const [key, setKey] = useState(() => crypto.randomUUID());

  return (
    <Modal
      open={open}
      onCancel={onClose}
      afterOpenChange={(opened) => {
        if (!opened) {
          form.resetFields();
          setError(null);
          setKey(crypto.randomUUID());
        }
      }}
      title={title}
      destroyOnHidden
      footer={[
        <Button key="cancel" onClick={onClose}>
          {cancelText}
        </Button>,
        <Button key="ok" type="primary" danger={danger} loading={busy} onClick={() => form.submit()} data-testid={`${testId}-submit`}>
          {okText}
        </Button>,
      ]}
    >
      {intro}
      <ErrorBox error={error} testId={`${testId}-error`} />
      <Form form={form} layout="vertical" onFinish={(v) => void run(() => onSubmit(v, key))} requiredMark={false} name={name} initialValues={initialValues}>
        {children}
      </Form>
    </Modal>
  );
}
