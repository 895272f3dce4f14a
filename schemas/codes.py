"""The one vocabulary of a call, from ``shared/domain/CALL-CODES.md``.

Codes are lower_snake_case and never change meaning once released; labels may be
reworded. Forms, validation, JSON Schema, CSV columns and report rows are all built
from these enums, so nothing else in the code base spells a code by hand.
"""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry a human label for forms and reports."""

    label: str

    def __new__(cls, value: str, label: str = "") -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value.replace("_", " ").capitalize()
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class SiteKind(LabelledEnum):
    CARE_HOME_NURSING = "care_home_nursing", "Care home with nursing"
    CARE_HOME_RESIDENTIAL = "care_home_residential", "Residential care home"
    OWN_HOME = "own_home", "Patient in their own home"
    PRISON = "prison", "Prison healthcare unit"


class OrganisationKind(LabelledEnum):
    """What an organisation is; sites are the four site kinds, plus the hub and commissioners."""

    HUB = "hub", "Telehealth hub"
    COMMISSIONER = "commissioner", "Commissioner"
    CARE_HOME_NURSING = "care_home_nursing", "Care home with nursing"
    CARE_HOME_RESIDENTIAL = "care_home_residential", "Residential care home"
    OWN_HOME = "own_home", "Own-home service"
    PRISON = "prison", "Prison healthcare unit"

    @property
    def is_site(self) -> bool:
        return self.value in {k.value for k in SiteKind}


class Channel(LabelledEnum):
    CARE_HOME = "care_home", "Care home"
    HOME_PATIENT = "home_patient", "Patient at home"
    GOLD_LINE = "gold_line", "Gold line (palliative)"
    PRISON_URGENT = "prison_urgent", "Prison (urgent)"
    PRISON_CLINIC = "prison_clinic", "Prison (booked clinic)"


class Reason(LabelledEnum):
    FALL_NO_INJURY = "fall_no_injury", "Fall, no injury"
    FALL_INJURY = "fall_injury", "Fall with injury"
    BREATHING_DIFFICULTY = "breathing_difficulty", "Breathing difficulty"
    CHEST_PAIN = "chest_pain", "Chest pain"
    SUSPECTED_INFECTION = "suspected_infection", "Suspected infection"
    FEVER = "fever", "Fever"
    NEW_CONFUSION = "new_confusion", "New confusion"
    REDUCED_CONSCIOUSNESS = "reduced_consciousness", "Reduced consciousness"
    PAIN = "pain", "Pain"
    WOUND_SKIN = "wound_skin", "Wound or skin problem"
    PRESSURE_ULCER = "pressure_ulcer", "Pressure ulcer"
    CATHETER_PROBLEM = "catheter_problem", "Catheter problem"
    BLOOD_GLUCOSE = "blood_glucose", "Blood glucose"
    NOT_EATING_DRINKING = "not_eating_drinking", "Not eating or drinking"
    VOMITING_DIARRHOEA = "vomiting_diarrhoea", "Vomiting or diarrhoea"
    MEDICATION_QUERY = "medication_query", "Medication query"
    END_OF_LIFE_SYMPTOMS = "end_of_life_symptoms", "End of life symptoms"
    BEHAVIOUR_MENTAL_HEALTH = "behaviour_mental_health", "Behaviour or mental health"
    VERIFICATION_OF_DEATH = "verification_of_death", "Verification of death"
    OTHER = "other", "Other"
    # A patient or carer at home who skipped "What is the main problem?" (never offered on a
    # care-home form, where the reason is required).
    UNKNOWN = "unknown", "Not stated"


class HomeIntent(LabelledEnum):
    AMBULANCE_999 = "ambulance_999", "Call 999 for an ambulance"
    ED_SELF_PRESENT = "ed_self_present", "Take them to A&E ourselves"
    GP_URGENT = "gp_urgent", "Ask the GP for an urgent visit or call"
    OOH_GP = "ooh_gp", "Call NHS 111 or the out-of-hours GP"
    DISTRICT_NURSE = "district_nurse", "Call the district or community nurse"
    WAIT_AND_SEE = "wait_and_see", "Keep watching, call no one"
    UNKNOWN = "unknown", "Not stated"


class PrisonIntent(LabelledEnum):
    """Asked on a prison healthcare unit's tablet: "Without this call, what would happen?"
    (docs/report-method.md, "Prisons")."""

    ESCORTED_ED = "escorted_ed", "Escorted A&E attendance"
    ESCORTED_OUTPATIENT = "escorted_outpatient", "Escorted outpatient appointment"
    BED_WATCH_ADMISSION = "bed_watch_admission", "Bed watch or admission"
    MANAGED_IN_PRISON = "managed_in_prison", "Managed in the prison"
    UNKNOWN = "unknown", "Not known"

    @property
    def is_escort(self) -> bool:
        """Would the person have left the prison under escort?"""
        return self in ESCORT_INTENTS


ESCORT_INTENTS: frozenset[PrisonIntent] = frozenset(
    {PrisonIntent.ESCORTED_ED, PrisonIntent.ESCORTED_OUTPATIENT, PrisonIntent.BED_WATCH_ADMISSION}
)


class Accompaniment(LabelledEnum):
    """Who is with the patient during a prison call."""

    HEALTHCARE_STAFF = "healthcare_staff", "Healthcare staff"
    OFFICER = "officer", "Prison officer"


class NurseCounterfactual(LabelledEnum):
    ADMISSION = "admission", "Emergency admission"
    ED_ATTENDANCE = "ed_attendance", "A&E attendance without admission"
    AMBULANCE_SEE_TREAT = "ambulance_see_treat", "Ambulance, treated on scene"
    GP_CONTACT = "gp_contact", "GP or out-of-hours GP contact"
    COMMUNITY_CONTACT = "community_contact", "District nurse or community team"
    NO_NHS_CONTACT = "no_nhs_contact", "Nothing"
    UNKNOWN = "unknown", "Cannot judge"


class Disposition(LabelledEnum):
    MANAGED_IN_PLACE = "managed_in_place", "Managed in place"
    GP_FOLLOWUP = "gp_followup", "Referred to GP"
    DISTRICT_NURSE = "district_nurse", "Referred to district nursing"
    OOH_GP = "ooh_gp", "Referred to out-of-hours GP"
    SPECIALIST_ADVICE = "specialist_advice", "Specialist advice, managed without transfer"
    PALLIATIVE_SUPPORT = "palliative_support", "End-of-life support given"
    AMBULANCE_999 = "ambulance_999", "999 ambulance called or advised"
    ED_SELF_PRESENT = "ed_self_present", "Advised to attend A&E"
    DIRECT_ADMISSION = "direct_admission", "Admitted directly"
    DIED_EXPECTED = "died_expected", "Expected death, verification supported"
    # Not clinical, so never offered nor accepted at wrap-up (docs/report-method.md §3a).
    # Retired: a call's technical failure is its call-quality record, apart from what happened
    # clinically; migration 0011 turned the stored ones into ``not_recorded`` and a failure.
    CALL_FAILED_TECHNICAL = "call_failed_technical", "Call failed (technical)"
    # No clinical disposition was recorded for the call: the calls that were
    # ``call_failed_technical`` before it was retired (stored or imported).
    NOT_RECORDED = "not_recorded", "Not recorded clinically"

    @property
    def is_hospital(self) -> bool:
        """Member of the set H of hospital dispositions."""
        return self in HOSPITAL_DISPOSITIONS

    @property
    def is_clinical(self) -> bool:
        """Says what happened clinically: the only dispositions a nurse can record."""
        return self not in NOT_CLINICAL_DISPOSITIONS

    @classmethod
    def clinical_choices(cls) -> list[tuple[str, str]]:
        """The dispositions a wrap-up or an amendment offers."""
        return [(m.value, m.label) for m in cls if m.is_clinical]


HOSPITAL_DISPOSITIONS: frozenset[Disposition] = frozenset(
    {Disposition.AMBULANCE_999, Disposition.ED_SELF_PRESENT, Disposition.DIRECT_ADMISSION}
)
NOT_CLINICAL_DISPOSITIONS: frozenset[Disposition] = frozenset(
    {Disposition.CALL_FAILED_TECHNICAL, Disposition.NOT_RECORDED}
)


class Escalation(LabelledEnum):
    SPECIALIST_JOINED = "specialist_joined", "Specialist joined the call"
    SPECIALIST_CALLBACK = "specialist_callback", "Specialist to call back"
    HUB_DOCTOR = "hub_doctor", "Hub doctor"
    GP_CONTACTED = "gp_contacted", "GP contacted"
    AMBULANCE_REQUESTED = "ambulance_requested", "Ambulance requested"
    SAFEGUARDING_RAISED = "safeguarding_raised", "Safeguarding raised"


class FollowUpAnswer(LabelledEnum):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Unknown"


class Role(LabelledEnum):
    CARE_HOME_STAFF = "care_home_staff", "Care-home staff"
    PRISON_STAFF = "prison_staff", "Prison healthcare staff"
    HUB_NURSE = "hub_nurse", "Hub nurse"
    SPECIALIST = "specialist", "Specialist"
    HUB_ADMIN = "hub_admin", "Hub administrator"
    CLINICAL_LEAD = "clinical_lead", "Clinical lead"
    COMMISSIONER = "commissioner", "Commissioner"


class CallerRelationship(LabelledEnum):
    """Who holds a device enrolled to one person at home: the person, or their carer
    (family or friend). Stored on the device; a call from it carries it."""

    PATIENT = "patient", "The patient"
    CARER = "carer", "A carer or relative"


class CallState(LabelledEnum):
    REQUESTED = "requested", "Requested"
    QUEUED = "queued", "Waiting"
    RINGING = "ringing", "Offered to a nurse"
    CONNECTED = "connected", "Connected"
    ON_HOLD = "on_hold", "On hold"
    WRAP_UP = "wrap_up", "Wrap-up"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled by caller"
    ABANDONED = "abandoned", "Abandoned"


class ResuscitationStatus(LabelledEnum):
    """ReSPECT / DNACPR status recorded for a person."""

    FOR_CPR = "for_cpr", "For attempted CPR"
    DNACPR = "dnacpr", "DNACPR in place"
    RESPECT_NO_CPR = "respect_no_cpr", "ReSPECT form: CPR not recommended"
    NOT_RECORDED = "not_recorded", "Not recorded"


class Consciousness(LabelledEnum):
    """ACVPU."""

    ALERT = "A", "Alert"
    NEW_CONFUSION = "C", "New confusion"
    VOICE = "V", "Responds to voice"
    PAIN = "P", "Responds to pain"
    UNRESPONSIVE = "U", "Unresponsive"


class SoftSign(LabelledEnum):
    BREATHLESSNESS = "breathlessness", "New or increased breathlessness"
    CONFUSION_DROWSINESS = "confusion_drowsiness", "New confusion or drowsiness"
    REDUCED_EATING_DRINKING = "reduced_eating_drinking", "Eating or drinking less"
    REDUCED_URINE = "reduced_urine", "Passing less urine"
    NEW_PAIN = "new_pain", "New pain"
    UNSTEADY_FALLS = "unsteady_falls", "Unsteady or falling"
    BEHAVIOUR_CHANGE = "behaviour_change", "Change in behaviour or mood"
    SKIN_CHANGES = "skin_changes", "New skin changes"
    NOT_THEMSELVES = "not_themselves", "Not themselves (something is not right)"


class AppointmentStatus(LabelledEnum):
    """Where a booked clinic appointment stands (docs/report-method.md, "Booked clinics")."""

    BOOKED = "booked", "Booked"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"
    REBOOKED = "rebooked", "Moved to another slot"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"

    @property
    def holds_slot(self) -> bool:
        """Does an appointment in this state keep its slot from being booked again?"""
        return self in (
            AppointmentStatus.BOOKED,
            AppointmentStatus.HELD,
            AppointmentStatus.DID_NOT_ATTEND,
        )
