"""The follow-up survey of a parent course: the questions parents answer three months and a
year after the course (on their phone, or entered by staff), defined like every
questionnaire as a measures `Instrument` (see spor/measures/instruments.py)."""

from spor.measures.instruments import Choice, FreeText, Instrument, Text, register

CHILD_USE = (
    ("unchanged", Text("Uændret", "Unchanged")),
    ("larger", Text("Blevet større", "Larger")),
    ("smaller", Text("Blevet mindre", "Smaller")),
    ("stopped", Text("Ophørt", "Stopped")),
    ("dont_know", Text("Ved ikke", "Don't know")),
)
YES_NO_DONT_KNOW = (
    ("yes", Text("Ja", "Yes")),
    ("no", Text("Nej", "No")),
    ("dont_know", Text("Ved ikke", "Don't know")),
)

PARENT_FOLLOWUP = register(Instrument(
    code="PARENT_FOLLOWUP",
    kind="survey",
    title=Text("Opfølgning på forældreforløbet", "Parent course follow-up"),
    intro=Text("Tak fordi du vil svare. Dine svar hjælper os med at gøre forældreaftenerne "
               "bedre.",
               "Thank you for answering. Your answers help us make the parent evenings "
               "better."),
    items=(
        Choice("child_use", Text("Har din søns eller datters forbrug af rusmidler ændret sig?",
                                 "Has your son's or daughter's use of substances changed?"),
               CHILD_USE),
        Choice("uses_new_options",
               Text("Bruger du stadig de nye handlemuligheder, du lærte?",
                    "Do you still use the new ways of acting you learned?"),
               YES_NO_DONT_KNOW),
        FreeText("comment", Text("Kommentar", "Comment")),
    ),
))
