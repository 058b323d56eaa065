// The page's entry: routes the hash (#/explore, #/diff, #/targets,
// #/captures) to its view and re-renders when it changes.
import { renderCaptures } from './captures.js';
import { renderDiff } from './diff.js';
import { renderExplore } from './explore.js';
import { renderTargets } from './targets.js';
import { readHash } from './util.js';

const VIEWS = { explore: renderExplore, diff: renderDiff, targets: renderTargets, captures: renderCaptures };
let seq = 0;

async function route() {
  const { view, params } = readHash();
  const name = VIEWS[view] ? view : 'explore';
  for (const a of document.querySelectorAll('nav a[data-view]')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const old = document.getElementById('view');
  if (old.flame) old.flame.destroy();
  // a fresh container per render: a slow answer of a view left behind
  // lands in a detached node
  const root = old.cloneNode(false);
  old.replaceWith(root);
  const mine = ++seq;
  document.body.dataset.state = 'loading';
  try {
    await VIEWS[name](root, params);
  } finally {
    if (mine === seq) document.body.dataset.state = 'ready';
  }
}

window.addEventListener('hashchange', route);
route();
