CREATE OR REPLACE FUNCTION webhook_emit(kind TEXT, body JSONB) RETURNS VOID AS $$
DECLARE
    new_id UUID;
BEGIN
    INSERT INTO webhook_events (event, payload) VALUES (kind, body) RETURNING id INTO new_id;
    INSERT INTO webhook_deliveries (event_id, endpoint)
        SELECT new_id, url FROM webhook_endpoints WHERE kind = ANY (events) OR '*' = ANY (events);
END;
$$ LANGUAGE plpgsql;
