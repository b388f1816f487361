document.getElementById("join").addEventListener("click", async (ev) => {
  ev.target.disabled = true;
  say("Joining…");
  const r = await fetch(stage.dataset.join, {
    method: "POST", headers: {Authorization: "Bearer " + token},
  });
  if (r.ok) { say("You are on the stage (no media: nothing is sent)."); }
  else { say("Could not join (" + r.status + ")."); ev.target.disabled = false; }
  await refresh();
});
