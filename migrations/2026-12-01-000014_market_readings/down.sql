DROP INDEX allocation_decisions_by_snapshot;
DROP TABLE market_readings;
