// bpmn-moddle ships no type declarations; the tests use only fromXML.
declare module 'bpmn-moddle' {
  export default class BpmnModdle {
    constructor(packages?: Record<string, unknown>);
    fromXML(xml: string, typeName?: string): Promise<{ rootElement: any; references: unknown[]; warnings: { message: string }[]; elementsById: Record<string, any> }>;
  }
}
