import { mount, unmount } from 'svelte';
import App from './App.svelte';
import BatchProgress from './components/BatchProgress.svelte';
import { connectBackend } from './lib/backend.js';
import './app.css';

const target = document.getElementById('app');
if (target === null) throw new Error('index.html lost its #app element');

const backend = connectBackend();
const mountApp = (): void => {
  mount(App, { target, props: { backend } });
};

// `?view=batch&batch=ID`: the small progress window of a file-manager batch
// (also under `yonos serve`, where "Open Yonos" turns the page into the app).
const query = new URLSearchParams(window.location.search);
const batchId = Number(query.get('batch'));
if (query.get('view') === 'batch' && Number.isInteger(batchId) && batchId > 0) {
  const progress = mount(BatchProgress, {
    target,
    props: {
      backend,
      batchId,
      onopenapp: () => {
        if (backend.desktop !== null) {
          void backend.desktop.openMainWindow();
          return;
        }
        void unmount(progress);
        window.history.replaceState(null, '', window.location.pathname);
        mountApp();
      },
    },
  });
} else {
  mountApp();
}
