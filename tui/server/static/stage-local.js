const joinButton = document.getElementById("join");
const leaveButton = document.getElementById("leave");

async function post(path) {
  return fetch(path, {method: "POST", headers: {Authorization: "Bearer " + token}});
}

joinButton.addEventListener("click", async () => {
  joinButton.disabled = true;
  say("Joining…");
  const r = await post(stage.dataset.join);
  if (r.ok) {
    say("You are on the stage (no media: nothing is sent).");
    leaveButton.disabled = false;
  } else {
    say("Could not join (" + r.status + ").");
    joinButton.disabled = false;
  }
  await refresh();
});

leaveButton.addEventListener("click", async () => {
  leaveButton.disabled = true;
  const r = await post(stage.dataset.leave);
  if (r.ok) {
    say("You left the stage.");
    joinButton.disabled = false;
  } else {
    say("Could not leave (" + r.status + ").");
    leaveButton.disabled = false;
  }
  await refresh();
});
