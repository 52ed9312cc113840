"""Documents the app serves as they are (the anonymity threat model), as ``survey.docs``."""
