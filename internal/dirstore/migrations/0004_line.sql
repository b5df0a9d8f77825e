-- The account's phone line (issue 15): the SIP registrar its agents
-- register at. Its resource (the audience the registrar expects in the
-- access token) is line_audience, added with the broker in migration 3.
ALTER TABLE accounts ADD COLUMN line_registrar TEXT NOT NULL DEFAULT '';
