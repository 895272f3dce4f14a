// A person's page on the console: their palliative register entry outside any call, with
// the form that adds the next version (and records or corrects the death) for the
// register's editors: hub nurses and clinical leads.

import { RegisterPanel } from "./register.js";

const card = document.getElementById("palliative-card");
const register = new RegisterPanel({
  card,
  box: document.getElementById("palliative"),
  labels: JSON.parse(card.dataset.labels),
  canEdit: card.dataset.canEdit === "yes",
});
register.showPerson(Number(card.dataset.personId));
