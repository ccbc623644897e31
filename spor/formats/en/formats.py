# Dates in English read as in Danish (Django's "en" would put the month first, which a
# reader in Denmark takes for the day). Pages, messages and charts all use
# SHORT_DATE_FORMAT, so this is the one place that decides.
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
# Long dates day first too: "1 January 2025" (Danish: "1. januar 2025").
DATE_FORMAT = "j F Y"
