"""The avoided-activity rules of CALL-CODES.md, row by row and edge by edge."""

from __future__ import annotations

import pytest

from hub.avoided.claims import (
    AvoidedCounts,
    CallFacts,
    Measure,
    Verdict,
    assess,
    tally,
)
from schemas.codes import (
    HOSPITAL_DISPOSITIONS,
    Disposition,
    FollowUpAnswer,
    HomeIntent,
    NurseCounterfactual,
)

NO, YES, UNKNOWN = FollowUpAnswer.NO, FollowUpAnswer.YES, FollowUpAnswer.UNKNOWN
NOT_HOSPITAL = [d for d in Disposition if d.is_clinical and not d.is_hospital]


def call(
    home_intent: HomeIntent = HomeIntent.WAIT_AND_SEE,
    nurse: NurseCounterfactual | None = NurseCounterfactual.NO_NHS_CONTACT,
    disposition: Disposition | None = Disposition.MANAGED_IN_PLACE,
    ed: FollowUpAnswer = NO,
    admitted: FollowUpAnswer = NO,
) -> CallFacts:
    return CallFacts(
        home_intent=home_intent,
        nurse_counterfactual=nurse,
        disposition=disposition,
        ed_within_72h=ed,
        admitted_within_72h=admitted,
    )


def test_a_call_that_avoids_nothing_claims_nothing() -> None:
    assert assess(call()) == dict.fromkeys(Measure)


# --- avoided ambulance call-out -------------------------------------------------------


@pytest.mark.parametrize(
    ("ed", "verdict"),
    [(NO, Verdict.CONFIRMED), (UNKNOWN, Verdict.UNVERIFIED), (YES, Verdict.REFUTED)],
)
def test_ambulance_intent_managed_at_home_claims_an_ambulance(
    ed: FollowUpAnswer, verdict: Verdict
) -> None:
    result = assess(call(HomeIntent.AMBULANCE_999, ed=ed))
    assert result[Measure.AMBULANCE] is verdict


def test_ambulance_is_confirmed_by_the_ed_answer_not_the_admission_answer() -> None:
    result = assess(call(HomeIntent.AMBULANCE_999, ed=NO, admitted=YES))
    assert result[Measure.AMBULANCE] is Verdict.CONFIRMED


@pytest.mark.parametrize(
    "disposition", [d for d in Disposition if d.is_clinical], ids=lambda d: d.value
)
def test_ambulance_is_claimed_for_every_disposition_but_an_ambulance(
    disposition: Disposition,
) -> None:
    result = assess(call(HomeIntent.AMBULANCE_999, disposition=disposition))
    expected = None if disposition is Disposition.AMBULANCE_999 else Verdict.CONFIRMED
    assert result[Measure.AMBULANCE] is expected


@pytest.mark.parametrize("disposition", [Disposition.ED_SELF_PRESENT, Disposition.DIRECT_ADMISSION])
def test_ed_or_direct_admission_disposition_still_avoids_the_ambulance_but_not_ae(
    disposition: Disposition,
) -> None:
    result = assess(call(HomeIntent.AMBULANCE_999, disposition=disposition, ed=UNKNOWN))
    assert result[Measure.AMBULANCE] is Verdict.UNVERIFIED
    assert result[Measure.ED_ATTENDANCE] is None


def test_ambulance_disposition_avoids_neither_ambulance_nor_ae() -> None:
    result = assess(call(HomeIntent.AMBULANCE_999, disposition=Disposition.AMBULANCE_999))
    assert result[Measure.AMBULANCE] is None
    assert result[Measure.ED_ATTENDANCE] is None


@pytest.mark.parametrize("intent", [i for i in HomeIntent if i is not HomeIntent.AMBULANCE_999])
def test_only_an_ambulance_intent_claims_an_ambulance(intent: HomeIntent) -> None:
    assert assess(call(intent))[Measure.AMBULANCE] is None


# --- avoided A&E attendance -----------------------------------------------------------


@pytest.mark.parametrize("intent", [HomeIntent.AMBULANCE_999, HomeIntent.ED_SELF_PRESENT])
@pytest.mark.parametrize(
    ("ed", "verdict"),
    [(NO, Verdict.CONFIRMED), (UNKNOWN, Verdict.UNVERIFIED), (YES, Verdict.REFUTED)],
)
def test_ae_intent_kept_out_of_hospital_claims_an_ae_attendance(
    intent: HomeIntent, ed: FollowUpAnswer, verdict: Verdict
) -> None:
    result = assess(call(intent, ed=ed, admitted=UNKNOWN))
    assert result[Measure.ED_ATTENDANCE] is verdict


@pytest.mark.parametrize("disposition", NOT_HOSPITAL, ids=lambda d: d.value)
def test_ae_is_claimed_for_every_non_hospital_disposition(disposition: Disposition) -> None:
    result = assess(call(HomeIntent.ED_SELF_PRESENT, disposition=disposition))
    assert result[Measure.ED_ATTENDANCE] is Verdict.CONFIRMED


@pytest.mark.parametrize("disposition", sorted(HOSPITAL_DISPOSITIONS), ids=lambda d: d.value)
def test_ae_is_not_claimed_for_a_hospital_disposition(disposition: Disposition) -> None:
    result = assess(call(HomeIntent.ED_SELF_PRESENT, disposition=disposition))
    assert result[Measure.ED_ATTENDANCE] is None


def test_self_presenting_intent_does_not_claim_an_ambulance() -> None:
    result = assess(call(HomeIntent.ED_SELF_PRESENT))
    assert result[Measure.AMBULANCE] is None
    assert result[Measure.ED_ATTENDANCE] is Verdict.CONFIRMED


@pytest.mark.parametrize(
    "intent",
    [
        HomeIntent.GP_URGENT,
        HomeIntent.OOH_GP,
        HomeIntent.DISTRICT_NURSE,
        HomeIntent.WAIT_AND_SEE,
        HomeIntent.UNKNOWN,
    ],
)
def test_other_intents_claim_no_ae_attendance(intent: HomeIntent) -> None:
    assert assess(call(intent))[Measure.ED_ATTENDANCE] is None


# --- avoided emergency admission --------------------------------------------------------


@pytest.mark.parametrize(
    ("admitted", "verdict"),
    [(NO, Verdict.CONFIRMED), (UNKNOWN, Verdict.UNVERIFIED), (YES, Verdict.REFUTED)],
)
def test_nurse_judged_admission_kept_out_of_hospital_claims_an_admission(
    admitted: FollowUpAnswer, verdict: Verdict
) -> None:
    result = assess(
        call(
            nurse=NurseCounterfactual.ADMISSION,
            disposition=Disposition.GP_FOLLOWUP,
            ed=YES,  # an A&E visit that did not admit leaves the admission confirmed
            admitted=admitted,
        )
    )
    assert result[Measure.ADMISSION] is verdict


def test_admission_claim_does_not_depend_on_the_home_intent() -> None:
    result = assess(call(HomeIntent.WAIT_AND_SEE, nurse=NurseCounterfactual.ADMISSION))
    assert result == {
        Measure.AMBULANCE: None,
        Measure.ED_ATTENDANCE: None,
        Measure.ADMISSION: Verdict.CONFIRMED,
        Measure.GP_CONTACT: None,
    }


@pytest.mark.parametrize("disposition", sorted(HOSPITAL_DISPOSITIONS), ids=lambda d: d.value)
def test_admission_is_not_claimed_for_a_hospital_disposition(disposition: Disposition) -> None:
    result = assess(call(nurse=NurseCounterfactual.ADMISSION, disposition=disposition))
    assert result[Measure.ADMISSION] is None


@pytest.mark.parametrize(
    "nurse", [None, *(n for n in NurseCounterfactual if n is not NurseCounterfactual.ADMISSION)]
)
def test_only_a_nurse_judged_admission_claims_an_admission(
    nurse: NurseCounterfactual | None,
) -> None:
    assert assess(call(HomeIntent.AMBULANCE_999, nurse=nurse))[Measure.ADMISSION] is None


# --- avoided GP contact -------------------------------------------------------------------


@pytest.mark.parametrize("intent", [HomeIntent.GP_URGENT, HomeIntent.OOH_GP])
@pytest.mark.parametrize("answer", [NO, YES, UNKNOWN])
def test_gp_intent_managed_in_place_is_claimed_with_no_confirmation_step(
    intent: HomeIntent, answer: FollowUpAnswer
) -> None:
    result = assess(call(intent, ed=answer, admitted=answer))
    assert result[Measure.GP_CONTACT] is Verdict.CLAIMED_ONLY


@pytest.mark.parametrize(
    "disposition",
    [d for d in NOT_HOSPITAL if d is not Disposition.MANAGED_IN_PLACE],
    ids=lambda d: d.value,
)
def test_gp_contact_needs_the_call_managed_in_place(disposition: Disposition) -> None:
    assert assess(call(HomeIntent.GP_URGENT, disposition=disposition))[Measure.GP_CONTACT] is None


def test_ooh_intent_is_not_an_ae_intent() -> None:
    result = assess(call(HomeIntent.OOH_GP))
    assert result[Measure.ED_ATTENDANCE] is None
    assert result[Measure.AMBULANCE] is None


# --- calls that claim nothing ---------------------------------------------------------------


def test_a_technical_failure_claims_nothing() -> None:
    failed = call(
        HomeIntent.AMBULANCE_999,
        nurse=NurseCounterfactual.ADMISSION,
        disposition=Disposition.CALL_FAILED_TECHNICAL,
    )
    assert assess(failed) == dict.fromkeys(Measure)


def test_a_call_not_yet_closed_claims_nothing() -> None:
    open_call = call(
        HomeIntent.AMBULANCE_999, nurse=NurseCounterfactual.ADMISSION, disposition=None
    )
    assert assess(open_call) == dict.fromkeys(Measure)


def test_an_ambulance_intent_with_a_nurse_judged_admission_claims_three_measures() -> None:
    result = assess(
        call(
            HomeIntent.AMBULANCE_999,
            nurse=NurseCounterfactual.ADMISSION,
            disposition=Disposition.PALLIATIVE_SUPPORT,
            ed=NO,
            admitted=UNKNOWN,
        )
    )
    assert result == {
        Measure.AMBULANCE: Verdict.CONFIRMED,
        Measure.ED_ATTENDANCE: Verdict.CONFIRMED,
        Measure.ADMISSION: Verdict.UNVERIFIED,
        Measure.GP_CONTACT: None,
    }


# --- counting -------------------------------------------------------------------------------


def test_counts_add_a_verdict() -> None:
    counts = AvoidedCounts().add(Verdict.CONFIRMED).add(Verdict.UNVERIFIED).add(None)
    counts = counts.add(Verdict.REFUTED).add(Verdict.CLAIMED_ONLY)
    assert counts == AvoidedCounts(claimed=4, confirmed=1, unverified=1, refuted=1)


def test_tally_over_a_month_of_calls() -> None:
    calls = [
        call(HomeIntent.AMBULANCE_999, ed=NO),  # ambulance + A&E confirmed
        call(HomeIntent.AMBULANCE_999, ed=UNKNOWN),  # ambulance + A&E unverified
        call(HomeIntent.AMBULANCE_999, disposition=Disposition.ED_SELF_PRESENT, ed=YES),
        call(HomeIntent.ED_SELF_PRESENT, nurse=NurseCounterfactual.ADMISSION, admitted=NO),
        call(HomeIntent.GP_URGENT),
        call(HomeIntent.OOH_GP, disposition=Disposition.OOH_GP),  # not managed in place
        call(HomeIntent.AMBULANCE_999, disposition=Disposition.CALL_FAILED_TECHNICAL),
        call(HomeIntent.AMBULANCE_999, disposition=None),
    ]
    assert tally(calls) == {
        Measure.AMBULANCE: AvoidedCounts(claimed=3, confirmed=1, unverified=1, refuted=1),
        Measure.ED_ATTENDANCE: AvoidedCounts(claimed=3, confirmed=2, unverified=1, refuted=0),
        Measure.ADMISSION: AvoidedCounts(claimed=1, confirmed=1, unverified=0, refuted=0),
        Measure.GP_CONTACT: AvoidedCounts(claimed=1, confirmed=0, unverified=0, refuted=0),
    }


def test_tally_of_no_calls_has_every_measure_at_zero() -> None:
    assert tally([]) == dict.fromkeys(Measure, AvoidedCounts())


def test_measures_carry_report_labels() -> None:
    assert Measure.AMBULANCE.label == "Avoided ambulance call-out"
    assert [m.value for m in Measure] == ["ambulance", "ed_attendance", "admission", "gp_contact"]
