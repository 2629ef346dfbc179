-- sqlsynth's built-in template library (SQL-GEN seed templates, seeds/003).
--
-- Written as ordinary, portable SQL (it runs on SQLite, DuckDB and PostgreSQL) over the small
-- schema below; `sqlsynth templates extract` abstracts it into default.json:
--   sqlsynth templates extract src/sqlsynth/data/templates/default.sql \
--       -o src/sqlsynth/data/templates/default.json --source default
-- Tables, columns and values become typed placeholders; keywords, functions and join structure
-- stay. Dialect functions are added later by expansion (data/tutorials/<dialect>.json).

CREATE TABLE departments (dept_id INTEGER PRIMARY KEY, dept_name TEXT, budget DECIMAL(12, 2), founded DATE);
CREATE TABLE employees (
    emp_id INTEGER PRIMARY KEY, full_name TEXT, title TEXT,
    dept_id INTEGER REFERENCES departments (dept_id), manager_id INTEGER REFERENCES employees (emp_id),
    salary DECIMAL(10, 2), hired_on DATE, active BOOLEAN
);
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name TEXT, city TEXT, country TEXT, signup_date DATE, tier TEXT);
CREATE TABLE suppliers (supplier_id INTEGER PRIMARY KEY, supplier_name TEXT, city TEXT, country TEXT, rating DECIMAL(3, 1));
CREATE TABLE products (
    product_id INTEGER PRIMARY KEY, product_name TEXT, category TEXT,
    supplier_id INTEGER REFERENCES suppliers (supplier_id), price DECIMAL(10, 2), stock INTEGER, released DATE
);
CREATE TABLE orders (
    order_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (customer_id),
    employee_id INTEGER REFERENCES employees (emp_id), order_date DATE, status TEXT, total DECIMAL(10, 2)
);
CREATE TABLE order_items (
    order_id INTEGER REFERENCES orders (order_id), product_id INTEGER REFERENCES products (product_id),
    quantity INTEGER, unit_price DECIMAL(10, 2), PRIMARY KEY (order_id, product_id)
);

-- one table: projections and filters
SELECT name FROM customers WHERE country = 'France';
SELECT name, city FROM customers WHERE tier = 'gold' AND country = 'Spain';
SELECT product_name, price FROM products WHERE price > 20;
SELECT product_name FROM products WHERE price BETWEEN 10 AND 50;
SELECT name FROM customers WHERE city IN ('Paris', 'Lyon');
SELECT name FROM customers WHERE city IN ('Paris', 'Lyon', 'Nice') AND tier <> 'gold';
SELECT name FROM customers WHERE name LIKE '%son%';
SELECT full_name FROM employees WHERE manager_id IS NULL;
SELECT full_name, title FROM employees WHERE salary IS NOT NULL AND salary < 30000;
SELECT full_name, salary FROM employees WHERE salary >= 50000 AND title <> 'Intern';
SELECT DISTINCT country FROM customers;
SELECT DISTINCT category FROM products WHERE price < 100;
SELECT order_id, total FROM orders WHERE order_date > '2023-01-01';
SELECT order_id FROM orders WHERE order_date BETWEEN '2023-01-01' AND '2023-06-30';
SELECT name FROM customers WHERE country = 'France' OR tier = 'gold';
SELECT product_name FROM products WHERE NOT category = 'toys';
SELECT full_name FROM employees WHERE active = TRUE AND hired_on < '2020-01-01';
SELECT name FROM customers WHERE signup_date >= '2022-01-01' AND city LIKE 'S%';
SELECT product_name, stock FROM products WHERE stock <= 5 AND (category = 'books' OR price > 30);

-- aggregates
SELECT COUNT(*) FROM customers WHERE country = 'France';
SELECT AVG(price) FROM products;
SELECT MAX(salary), MIN(salary) FROM employees;
SELECT SUM(total) FROM orders WHERE status = 'shipped';
SELECT COUNT(DISTINCT city) FROM customers;
SELECT AVG(salary) FROM employees WHERE title = 'Engineer';
SELECT MIN(order_date), MAX(order_date) FROM orders;
SELECT COUNT(*) FROM products WHERE price > 100 OR stock < 5;
SELECT SUM(stock * price) FROM products WHERE category = 'books';
SELECT MAX(price) - MIN(price) FROM products;
SELECT COUNT(*), AVG(total) FROM orders WHERE order_date >= '2023-01-01';

-- GROUP BY and HAVING
SELECT country, COUNT(*) FROM customers GROUP BY country;
SELECT category, AVG(price) FROM products GROUP BY category;
SELECT status, SUM(total) FROM orders GROUP BY status ORDER BY SUM(total) DESC;
SELECT tier, COUNT(*) FROM customers GROUP BY tier HAVING COUNT(*) > 3;
SELECT category, MAX(price), MIN(price) FROM products GROUP BY category;
SELECT title, AVG(salary) FROM employees GROUP BY title HAVING AVG(salary) > 60000;
SELECT country, city, COUNT(*) FROM customers GROUP BY country, city;
SELECT category, COUNT(*) FROM products WHERE price > 10 GROUP BY category HAVING COUNT(*) >= 2;
SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY n DESC LIMIT 1;
SELECT category, SUM(stock) FROM products GROUP BY category ORDER BY SUM(stock) ASC LIMIT 3;
SELECT country, COUNT(DISTINCT city) FROM customers GROUP BY country;
SELECT title, MIN(hired_on) FROM employees GROUP BY title;

-- ORDER BY and LIMIT
SELECT product_name FROM products ORDER BY price DESC LIMIT 1;
SELECT name, signup_date FROM customers ORDER BY signup_date LIMIT 5;
SELECT full_name, salary FROM employees ORDER BY salary DESC LIMIT 3;
SELECT product_name, price FROM products WHERE category = 'books' ORDER BY price;
SELECT name FROM customers ORDER BY name;
SELECT order_id, total FROM orders ORDER BY total DESC, order_date ASC LIMIT 10;
SELECT order_id FROM orders WHERE order_date >= '2023-01-01' ORDER BY order_date DESC LIMIT 5;

-- joins along foreign keys
SELECT T1.name, T2.order_date FROM customers AS T1 JOIN orders AS T2 ON T1.customer_id = T2.customer_id WHERE T2.status = 'shipped';
SELECT T1.name, COUNT(*) FROM customers AS T1 JOIN orders AS T2 ON T1.customer_id = T2.customer_id GROUP BY T1.name ORDER BY COUNT(*) DESC LIMIT 1;
SELECT T2.dept_name, AVG(T1.salary) FROM employees AS T1 JOIN departments AS T2 ON T1.dept_id = T2.dept_id GROUP BY T2.dept_name;
SELECT T1.full_name FROM employees AS T1 JOIN departments AS T2 ON T1.dept_id = T2.dept_id WHERE T2.dept_name = 'Sales';
SELECT T2.product_name, SUM(T1.quantity) FROM order_items AS T1 JOIN products AS T2 ON T1.product_id = T2.product_id GROUP BY T2.product_name ORDER BY SUM(T1.quantity) DESC LIMIT 5;
SELECT DISTINCT T1.name FROM customers AS T1 JOIN orders AS T2 ON T1.customer_id = T2.customer_id JOIN order_items AS T3 ON T2.order_id = T3.order_id JOIN products AS T4 ON T3.product_id = T4.product_id WHERE T4.category = 'books';
SELECT T1.full_name, T2.full_name FROM employees AS T1 JOIN employees AS T2 ON T1.manager_id = T2.emp_id;
SELECT T1.full_name FROM employees AS T1 JOIN employees AS T2 ON T1.manager_id = T2.emp_id WHERE T2.title = 'Director';
SELECT T1.name, T2.total FROM customers AS T1 LEFT JOIN orders AS T2 ON T1.customer_id = T2.customer_id WHERE T1.country = 'Italy';
SELECT T1.dept_name, COUNT(T2.emp_id) FROM departments AS T1 LEFT JOIN employees AS T2 ON T1.dept_id = T2.dept_id GROUP BY T1.dept_name;
SELECT T1.country, SUM(T2.total) FROM customers AS T1 JOIN orders AS T2 ON T1.customer_id = T2.customer_id GROUP BY T1.country HAVING SUM(T2.total) > 1000;
SELECT T2.product_name FROM order_items AS T1 JOIN products AS T2 ON T1.product_id = T2.product_id WHERE T1.quantity > 5;
SELECT T1.order_id, T2.name FROM orders AS T1 JOIN customers AS T2 ON T1.customer_id = T2.customer_id WHERE T1.total > 100 AND T2.tier = 'gold';
SELECT T3.dept_name, COUNT(*) FROM orders AS T1 JOIN employees AS T2 ON T1.employee_id = T2.emp_id JOIN departments AS T3 ON T2.dept_id = T3.dept_id GROUP BY T3.dept_name;
SELECT T1.name, MAX(T2.order_date) FROM customers AS T1 JOIN orders AS T2 ON T1.customer_id = T2.customer_id GROUP BY T1.name;
SELECT T1.supplier_name, AVG(T2.price) FROM suppliers AS T1 JOIN products AS T2 ON T1.supplier_id = T2.supplier_id GROUP BY T1.supplier_name ORDER BY AVG(T2.price) DESC LIMIT 3;
SELECT T1.name, COUNT(T2.order_id) FROM customers AS T1 LEFT JOIN orders AS T2 ON T1.customer_id = T2.customer_id GROUP BY T1.name HAVING COUNT(T2.order_id) = 0;
SELECT T1.product_name, T2.supplier_name FROM products AS T1 JOIN suppliers AS T2 ON T1.supplier_id = T2.supplier_id WHERE T2.country = 'Japan' AND T1.price < 40;

-- subqueries
SELECT product_name FROM products WHERE price > (SELECT AVG(price) FROM products);
SELECT full_name FROM employees WHERE salary = (SELECT MAX(salary) FROM employees);
SELECT name FROM customers WHERE customer_id IN (SELECT customer_id FROM orders WHERE total > 500);
SELECT product_name FROM products WHERE product_id NOT IN (SELECT product_id FROM order_items);
SELECT name FROM customers AS T1 WHERE EXISTS (SELECT 1 FROM orders AS T2 WHERE T2.customer_id = T1.customer_id AND T2.status = 'cancelled');
SELECT name FROM customers AS T1 WHERE NOT EXISTS (SELECT 1 FROM orders AS T2 WHERE T2.customer_id = T1.customer_id);
SELECT dept_name FROM departments WHERE dept_id IN (SELECT dept_id FROM employees GROUP BY dept_id HAVING COUNT(*) > 2);
SELECT full_name FROM employees AS T1 WHERE salary > (SELECT AVG(salary) FROM employees AS T2 WHERE T2.title = T1.title);
SELECT AVG(n) FROM (SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id) AS sub;
SELECT MAX(total) FROM (SELECT order_id, SUM(quantity) AS total FROM order_items GROUP BY order_id) AS sub;
SELECT COUNT(*) FROM orders WHERE total > (SELECT AVG(total) FROM orders WHERE status = 'shipped');

-- set operations
SELECT country FROM customers WHERE tier = 'gold' UNION SELECT country FROM customers WHERE city = 'Paris';
SELECT name FROM customers WHERE country = 'France' INTERSECT SELECT name FROM customers WHERE tier = 'gold';
SELECT category FROM products WHERE price > 50 EXCEPT SELECT category FROM products WHERE stock < 10;
SELECT T1.name FROM customers AS T1 JOIN orders AS T2 ON T1.customer_id = T2.customer_id WHERE T2.status = 'shipped' INTERSECT SELECT T1.name FROM customers AS T1 JOIN orders AS T2 ON T1.customer_id = T2.customer_id WHERE T2.status = 'cancelled';
SELECT city FROM customers UNION SELECT city FROM suppliers;

-- CASE
SELECT product_name, CASE WHEN price > 100 THEN 'expensive' ELSE 'cheap' END FROM products;
SELECT SUM(CASE WHEN status = 'shipped' THEN 1 ELSE 0 END) FROM orders;
SELECT category, SUM(CASE WHEN stock < 10 THEN 1 ELSE 0 END) FROM products GROUP BY category;
SELECT name, CASE WHEN tier = 'gold' THEN 'priority' WHEN tier = 'silver' THEN 'standard' ELSE 'basic' END FROM customers;

-- dates
SELECT COUNT(*) FROM orders WHERE order_date < '2023-01-01' AND status = 'open';
SELECT full_name, hired_on FROM employees WHERE hired_on >= '2021-01-01' ORDER BY hired_on;
SELECT status, MAX(order_date) FROM orders GROUP BY status;

-- CTE and window functions
WITH stats AS (SELECT category, AVG(price) AS average FROM products GROUP BY category) SELECT category, average FROM stats ORDER BY average DESC LIMIT 3;
SELECT full_name, salary, RANK() OVER (ORDER BY salary DESC) AS rnk FROM employees;
SELECT title, full_name, RANK() OVER (PARTITION BY title ORDER BY salary DESC) AS rnk FROM employees;
