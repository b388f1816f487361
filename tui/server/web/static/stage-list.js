// Shared by both stage pages: who is on the stage (the broadcaster included), from the
// app server's participant list. Every name is set with textContent: names are untrusted.
const stage = document.getElementById("stage");
const token = stage.dataset.token;
const me = stage.dataset.user;
const iAmHost = stage.dataset.role === "broadcaster";
const statusLine = document.getElementById("status");
const LIST_EVERY_MS = 4000;
function say(text) { statusLine.textContent = text; }

function listItem(text) {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

async function errorText(r) {
  try {
    const body = await r.json();
    if (body && typeof body.message === "string") return body.message;
  } catch (err) { /* not JSON: fall through to the status */ }
  return "the server answered " + r.status;
}

// Lists the stage; resolves to {on: [participants], gone: bool, why: text}. gone means
// the invitation no longer works (revoked, replaced or expired; why says which, in the
// server's words): the list cannot come back.
async function refresh() {
  const list = document.getElementById("participants");
  let r;
  try {
    r = await fetch(stage.dataset.participants, {headers: {Authorization: "Bearer " + token}});
  } catch (err) {
    list.replaceChildren(listItem("Could not reach the app server to list the stage."));
    return {on: null, gone: false, why: ""};
  }
  if (!r.ok) {
    const why = await errorText(r);
    list.replaceChildren(listItem("Could not list the stage: " + why));
    return {on: null, gone: r.status === 401 || r.status === 410, why};
  }
  const body = await r.json();
  const on = body.participants.filter(p => p.state === "CONNECTED");
  list.replaceChildren();
  for (const p of on) {
    const li = listItem((p.displayName || p.userId) + " ");
    const id = document.createElement("span");
    id.className = "state";
    id.textContent = "(" + p.userId + ")";
    li.append(id);
    if (p.role === "broadcaster") {
      const host = document.createElement("span");
      host.className = "host";
      host.textContent = "host";
      li.append(" ", host);
    }
    if (p.userId === me) {
      const you = document.createElement("span");
      you.className = "you";
      you.textContent = "you";
      li.append(" ", you);
    }
    list.append(li);
  }
  if (on.length === 0) list.append(listItem("Nobody is on the stage yet."));
  return {on, gone: false, why: ""};
}

// Keeps the list current while the page is open: others join and leave without a word to
// this page. `seen` gets every result; the poll stops once the invitation is gone.
function keepListing(seen) {
  let timer = null;
  const tick = async () => {
    timer = null;
    const result = await refresh();
    seen(result);
    if (!result.gone) timer = setTimeout(tick, LIST_EVERY_MS);
  };
  timer = setTimeout(tick, LIST_EVERY_MS);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && timer !== null) {
      clearTimeout(timer);
      tick();
    }
  });
}
