// The local stage page: no media server runs, so Join and Leave only mark this participant
// on or off the local stack's stage.
const joinButton = document.getElementById("join");
const leaveButton = document.getElementById("leave");
let joined = false;

async function post(path) {
  return fetch(path, {method: "POST", headers: {Authorization: "Bearer " + token}});
}

function offStage(words, canJoin) {
  joined = false;
  say(words);
  leaveButton.disabled = true;
  joinButton.disabled = !canJoin;
}

joinButton.addEventListener("click", async () => {
  joinButton.disabled = true;
  say("Joining…");
  let r;
  try {
    r = await post(stage.dataset.join);
  } catch (err) {
    offStage("Could not reach the app server to join.", true);
    return;
  }
  if (r.ok) {
    joined = true;
    say("You are on the stage (no media: nothing is sent).");
    leaveButton.disabled = false;
  } else {
    offStage("Could not join: " + await errorText(r), r.status !== 401 && r.status !== 410);
  }
  await refresh();
});

leaveButton.addEventListener("click", async () => {
  leaveButton.disabled = true;
  let r;
  try {
    r = await post(stage.dataset.leave);
  } catch (err) {
    say("Could not reach the app server to leave.");
    leaveButton.disabled = false;
    return;
  }
  if (r.ok) {
    offStage("You left the stage.", true);
  } else {
    say("Could not leave: " + await errorText(r));
    leaveButton.disabled = false;
  }
  await refresh();
});

// Taken off the stage from elsewhere (the broadcaster removed this guest, or the invitation
// ended): this page must stop saying it is on the stage.
keepListing(({on, gone, why}) => {
  if (gone) {
    offStage("You are no longer on the stage. " + why, false);
  } else if (joined && on !== null && !on.some(p => p.userId === me)) {
    offStage(iAmHost ? "You are no longer on the stage: your stage link was replaced."
      : "You are no longer on the stage: the broadcaster took you off.", true);
  }
});
