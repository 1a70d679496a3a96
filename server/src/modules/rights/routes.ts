import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { responses } from '../../http/schemas.js';
import { AppError } from '../../http/errors.js';
import { getPerson } from '../masterdata/persons.js';
import { assertCanSeePerson } from '../masterdata/visibility.js';
import { rightsSummary } from './service.js';

const Summary = Type.Object({
  insurances: Type.Array(Type.Object({ insuranceType: Type.String(), status: Type.String(), since: Type.String(), totalMonths: Type.Integer(), paidMonths: Type.Integer(), unpaidMonths: Type.Integer(), lastMonth: Type.Union([Type.String(), Type.Null()]) })),
  recent: Type.Array(Type.Object({ month: Type.String(), insuranceType: Type.String(), orgId: Type.Union([Type.String(), Type.Null()]), baseFen: Type.Integer(), employerFen: Type.Integer(), employeeFen: Type.Integer(), paid: Type.Boolean() })),
});

export async function rightsRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/api/persons/:personId/rights',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['social insurance'],
        summary: 'Insured status and contribution months (a citizen their own; staff within their region)',
        params: Type.Object({ personId: Type.String({ format: 'uuid' }) }),
        response: responses({ 200: Summary }),
      },
    },
    async (request) => {
      const { personId } = request.params as { personId: string };
      const person = await getPerson(app.db, personId);
      if (!person) throw new AppError('NOT_FOUND');
      assertCanSeePerson(request.principal!, person);
      return rightsSummary(app.db, personId);
    },
  );
}
