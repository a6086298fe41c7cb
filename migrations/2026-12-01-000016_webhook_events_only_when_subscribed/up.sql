-- An event is only ever read through its deliveries, and an endpoint added later is not sent past events,
-- so an event no endpoint subscribes to is never read: stop writing it. Without endpoints (the default),
-- every decision used to leave six unread rows behind, one per status change of it and its job.
CREATE OR REPLACE FUNCTION webhook_emit(kind TEXT, body JSONB) RETURNS VOID AS $$
DECLARE
    new_id UUID;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE kind = ANY (events) OR '*' = ANY (events)) THEN
        RETURN;
    END IF;
    INSERT INTO webhook_events (event, payload) VALUES (kind, body) RETURNING id INTO new_id;
    INSERT INTO webhook_deliveries (event_id, endpoint)
        SELECT new_id, url FROM webhook_endpoints WHERE kind = ANY (events) OR '*' = ANY (events);
END;
$$ LANGUAGE plpgsql;
