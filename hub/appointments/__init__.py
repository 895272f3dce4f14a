"""Booked clinics: clinic sessions, slots, appointments, the waiting room and reminders."""
