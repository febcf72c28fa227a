"""Identity and consent: invitations and codes, consent and its texts, clients, staff and workers, the privacy
rights (/mydata, /forget), the audit log, and messages between a client and their workers."""
