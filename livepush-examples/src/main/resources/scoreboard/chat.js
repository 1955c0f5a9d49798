// The chat room: messages and the member list are events of topic "chat"; joining and saying are livepush.v1
// application messages answered by the example's ChatRoom handler.
import { LivePushClient } from '/livepush/livepush.js';

const $ = (id) => document.getElementById(id);
const chat = { joined: false, name: null, messages: [], states: [], state: 'idle' };
window.livepushChat = chat; // read by the browser tests
let client = null;

function showState(s) {
  chat.state = s;
  chat.states.push(s);
  $('state').textContent = s;
  $('state').className = 'state ' + s;
}

function addLine(from, text, cls) {
  const li = document.createElement('li');
  if (cls) li.className = cls;
  if (from) {
    const b = document.createElement('span');
    b.className = 'from';
    b.textContent = from;
    li.appendChild(b);
  }
  li.appendChild(document.createTextNode(text));
  $('log').appendChild(li);
  $('log').scrollTop = $('log').scrollHeight;
}

function showMembers(names) {
  $('members').replaceChildren(...names.map((n) => Object.assign(document.createElement('li'), { textContent: n })));
}

async function join() {
  // Sent on every (re)connection: the room forgets a connection when it drops.
  const reply = await client.send('chat', { join: chat.name });
  if (reply.error) throw new Error(reply.error);
  showMembers(reply.members);
  chat.joined = true;
}

$('join').addEventListener('submit', (ev) => {
  ev.preventDefault();
  chat.name = $('name').value.trim();
  $('join').hidden = true;
  $('room').hidden = false;
  client = new LivePushClient('/ws', {
    onState: (s) => {
      showState(s);
      if (s === 'open') join().catch((e) => addLine(null, 'could not join: ' + e.message, 'system'));
    },
    onEvent: (e) => {
      if (e.event === 'message') {
        chat.messages.push({ id: e.id, from: e.data.from, text: e.data.text });
        addLine(e.data.from, e.data.text);
      } else if (e.event === 'members') {
        showMembers(e.data.members);
      }
    },
    onReset: (r) => addLine(null, `(history unavailable: ${r.reason}; showing new messages)`, 'system'),
    onError: (e) => addLine(null, 'error: ' + e.message, 'system'),
  });
  client.subscribe('chat');
  $('text').focus();
});

$('say').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = $('text').value;
  $('text').value = '';
  client.send('chat', { say: text }).then((r) => { if (r && r.error) throw new Error(r.error); }).catch((e) => addLine(null, `not sent (${e.message}): ${text}`, 'system'));
});
