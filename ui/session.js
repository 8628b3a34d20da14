// Who is being served at the kiosk right now (null outside a resident session).
// Screens that pick a person start from, and stay with, this resident.
export const session = { kiosk: false, residentId: null, role: 'unset' };

/** The persons a screen may offer: only the resident during a kiosk session. */
export function visiblePersons(persons) {
  if (session.residentId === null) return persons;
  return persons.filter((p) => p.id === session.residentId);
}
