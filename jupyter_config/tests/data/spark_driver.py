"""A PySpark driver program run by test_spark.py with the environment proxy.server() exported.

Prints one JSON line with what the test checks, then (with --wait) holds the session open until the test writes a
line to stdin, so the test can first wait for the listener's frames."""

import json
import sys
import time

from pyspark.sql import SparkSession

started = time.monotonic()
spark = SparkSession.builder.master("local[2]").appName("sparkmonitor-go-test").getOrCreate()
sc = spark.sparkContext
conf = sc.getConf()
report = {
    "appId": sc.applicationId,
    "extraListeners": conf.get("spark.extraListeners"),
    "flag": conf.get("spark.myteam.flag"),
    "defaultList": conf.get("spark.plugins.defaultList"),
    "extraClassPath": conf.get("spark.driver.extraClassPath"),
    "jvmEnv": sc._jvm.java.lang.System.getenv("MYTEAM_ENV"),  # set by the user's spark-env.sh, if any
    "sum": spark.range(0, 100, numPartitions=4).selectExpr("sum(id)").collect()[0][0],
    "startSeconds": time.monotonic() - started,
}
print(json.dumps(report), flush=True)
if "--wait" in sys.argv:
    sys.stdin.readline()
stopping = time.monotonic()
spark.stop()
print(json.dumps({"stopSeconds": time.monotonic() - stopping}), flush=True)
