// A node:test reporter that only counts: the runner adds the phases up.
export default async function* countReporter(source) {
  let pass = 0;
  let fail = 0;
  for await (const event of source) {
    if (event.type === 'test:pass' && event.data.details?.type !== 'suite') pass++;
    if (event.type === 'test:fail' && event.data.details?.type !== 'suite') fail++;
  }
  yield JSON.stringify({ pass, fail });
}
