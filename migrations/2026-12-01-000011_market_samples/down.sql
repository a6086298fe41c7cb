DROP TABLE market_samples;
