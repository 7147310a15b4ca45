package diagnose

import "github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"

// Advice is what the card says about a category: a short title and a plain-language fix.
type Advice struct {
	Title string
	Fix   string
}

var advice = map[Category]Advice{
	wire.FailureCancelled: {"Cancelled",
		"The job was cancelled (from the monitor, the Spark UI, a job group cancel or the kernel). Run the cell again if that was not intended."},
	wire.FailureAnalysis: {"Analysis error",
		"Spark could not plan the query, so no job ran: a column or table name is misspelled or missing, or types do not match. Check the names against df.columns or df.printSchema()."},
	wire.FailureNotSerializable: {"Task not serializable",
		"The function sent to the executors refers to something that cannot be shipped (a lock, a connection, the SparkContext or SparkSession). Create it inside the function, or use a broadcast variable for read-only data."},
	wire.FailureDriverOOM: {"Out of memory (driver)",
		"The driver ran out of memory or hit spark.driver.maxResultSize, usually because of collect(), toPandas() or a large broadcast. Aggregate or write the result instead of collecting it, use limit(), or raise spark.driver.memory / spark.driver.maxResultSize."},
	wire.FailureExecutorOOM: {"Out of memory (executor)",
		"A task ran out of memory on its executor. Use more, smaller partitions (repartition, spark.sql.shuffle.partitions), avoid huge rows or skewed keys, or raise spark.executor.memory (spark.executor.pyspark.memory or spark.executor.memoryOverhead for Python)."},
	wire.FailureShuffleFetch: {"Shuffle fetch failure",
		"A task could not read shuffle data written by another executor, usually because that executor was lost or overloaded. Spark retries the stage; if it keeps failing, look for lost executors, enable the external shuffle service, or reduce shuffle block sizes."},
	wire.FailureExecutorLost: {"Executor lost",
		"An executor process died or stopped answering while running tasks (killed by the system, often for memory: exit code 137; a crashed Python worker; a lost machine). Check the executor's log; give executors more memory or overhead, or lower the cores per executor."},
	wire.FailurePythonUDF: {"Python error in a UDF",
		"Your Python function raised an exception while running on an executor. The traceback shows the line; handle the bad input (e.g. None or zero) in the function."},
	wire.FailureOther: {"Failed",
		"Spark reported the error below. The full trace is in the first fold."},
}

// AdviceFor returns the title and fix of a category (Other's for an unknown one).
func AdviceFor(c Category) Advice {
	if a, ok := advice[c]; ok {
		return a
	}
	return advice[wire.FailureOther]
}
