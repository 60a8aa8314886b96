// Preloaded (node -r) into a `surfacer serve` child by tests/pkg/hostile.test.ts: on SIGUSR2 the process fills its
// JS heap, as an analysis whose results outgrow memory does, to show the process then ends instead of hanging.
process.on('SIGUSR2', () =>
  setImmediate(() => {
    const hoard = [];
    for (;;) {
      hoard.push({ n: Math.random(), s: `${'x'.repeat(40)}${Math.random()}` });
    }
  })
);
