// ftorm's page: the live events view (the only script; every other view is plain HTML).
// Values are written with textContent, never as HTML.
"use strict";

const MAX_SHOWN = 200; // events kept on the page, newest first

function describe(event) {
  const data = event.data || {};
  if (event.topic === "ftrack.update" && Array.isArray(data.entities)) {
    return data.entities
      .map((e) => `${e.action} ${e.entity_type} ${e.entityId} ${(e.keys || []).join(", ")}`)
      .join("; ");
  }
  return JSON.stringify(data);
}

function watch(list) {
  const status = document.getElementById("live-status");
  const source = new EventSource(list.dataset.stream);
  source.addEventListener("ready", (message) => {
    status.textContent = `watching ${JSON.parse(message.data)}`;
    status.className = "note";
  });
  source.addEventListener("problem", (message) => {
    status.textContent = JSON.parse(message.data);
    status.className = "error";
    source.close();
  });
  source.addEventListener("hub", (message) => {
    const event = JSON.parse(message.data);
    const item = document.createElement("li");
    const topic = document.createElement("strong");
    topic.textContent = event.topic;
    const when = document.createElement("time");
    when.textContent = ` ${event.sent || ""} `;
    const what = document.createElement("code");
    what.textContent = describe(event);
    item.append(topic, when, what);
    list.prepend(item);
    while (list.children.length > MAX_SHOWN) {
      list.lastElementChild.remove();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const list = document.getElementById("live");
  if (list) {
    watch(list);
  }
});
