-- Database per service, as one PostgreSQL database with a schema per service:
-- each service's URL names its schema (search_path=<service>), where its
-- migrations create its tables. No service reads another one's schema.
CREATE SCHEMA IF NOT EXISTS customers;
CREATE SCHEMA IF NOT EXISTS ordering;
CREATE SCHEMA IF NOT EXISTS warehouse;
CREATE SCHEMA IF NOT EXISTS shipping;
CREATE SCHEMA IF NOT EXISTS billing;
