import { Type, type TSchema } from '@sinclair/typebox';

/** RFC 9457 problem document, referenced by every route's error responses. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    messages: Type.Object({ 'zh-CN': Type.String(), en: Type.String() }),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), reason: Type.String(), code: Type.Optional(Type.String()) }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

/** Standard responses: the success schema plus problem+json for the usual failures. */
export function responses(ok: Record<number, TSchema>): Record<number, TSchema> {
  const problem = Type.Ref(ProblemSchema);
  return { ...ok, 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 422: problem, 429: problem };
}
