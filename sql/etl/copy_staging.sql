-- The API's CSV, header checked by the runner before it gets here.
COPY staging (timestamp, wind_speed, power) FROM STDIN (FORMAT csv, HEADER true)
