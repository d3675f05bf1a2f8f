import { http } from 'msw';
import { server } from './server';

/**
 * Holds GET requests to `path` until `release()`; each arrival records the page heading on
 * screen at that moment. The held request then goes on to the regular mock API handler.
 */
export function holdRequests(path: string) {
  const headingsAtArrival: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  server.use(
    http.get(path, async () => {
      headingsAtArrival.push(document.querySelector('h1')?.textContent ?? '');
      await gate;
      // Nothing returned: MSW falls through to the next handler (the regular one).
      return undefined;
    }),
  );
  return { headingsAtArrival, release: () => release() };
}

/** Records every loading indicator (`LoadingScreen`) added to the page from now on. */
export function watchLoadingScreens() {
  const seen: string[] = [];
  const collect = (records: MutationRecord[]) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (!(node instanceof Element)) continue;
        const found = node.matches('.loading-screen') ? [node] : Array.from(node.querySelectorAll('.loading-screen'));
        for (const indicator of found) seen.push(indicator.textContent);
      }
    }
  };
  const observer = new MutationObserver(collect);
  observer.observe(document.body, { childList: true, subtree: true });
  return {
    /** Stops watching and answers the loading indicators shown meanwhile (their text). */
    stop: (): string[] => {
      collect(observer.takeRecords());
      observer.disconnect();
      return seen;
    },
  };
}
