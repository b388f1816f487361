const stage = document.getElementById("stage");
const token = stage.dataset.token;
const statusLine = document.getElementById("status");
function say(text) { statusLine.textContent = text; }
async function refresh() {
  const r = await fetch(stage.dataset.participants, {headers: {Authorization: "Bearer " + token}});
  if (!r.ok) { say("Could not list the stage (" + r.status + ")."); return; }
  const body = await r.json();
  const list = document.getElementById("participants");
  list.replaceChildren();
  const on = body.participants.filter(p => p.state === "CONNECTED");
  for (const p of on) {
    const li = document.createElement("li");
    li.textContent = (p.displayName || p.userId) + " ";
    const id = document.createElement("span");
    id.className = "state";
    id.textContent = "(" + p.userId + ")";
    li.append(id);
    list.append(li);
  }
  if (on.length === 0) {
    const li = document.createElement("li");
    li.textContent = "Nobody is on the stage yet.";
    list.append(li);
  }
}
