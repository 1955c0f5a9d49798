// POST a question, render the SSE answer as its tokens arrive. EventSource cannot POST, so this reads the
// response body with fetch through livepush-sse.js's fetchEventStream.
import { fetchEventStream } from '/livepush/livepush-sse.js';

const form = document.getElementById('ask');
const input = document.getElementById('question');
const button = document.getElementById('send');
const answer = document.getElementById('answer');
const stateEl = document.getElementById('state');
// Read by the browser tests: the answer's text after every token, and whether it completed.
const snapshots = [];
window.livepushAsk = { snapshots, done: false };

function showState(s, label = s) {
  stateEl.textContent = label;
  stateEl.className = 'state ' + s;
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  button.disabled = true;
  answer.textContent = '';
  answer.classList.add('streaming');
  snapshots.length = 0;
  window.livepushAsk.done = false;
  showState('connecting', 'answering');
  try {
    await fetchEventStream('/api/ask', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ question: input.value }),
    }, (e) => {
      if (e.type === 'token') {
        answer.textContent += e.data;
        snapshots.push(answer.textContent);
      } else if (e.type === 'done') {
        window.livepushAsk.done = true;
      }
    });
    showState('open', window.livepushAsk.done ? 'done' : 'cut off');
  } catch (err) {
    answer.textContent += '\n[' + err.message + ']';
    showState('closed', 'failed');
  } finally {
    answer.classList.remove('streaming');
    button.disabled = false;
  }
});
